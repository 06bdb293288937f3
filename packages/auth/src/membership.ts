/**
 * Changing who belongs to an organisation and with which role. Each change is
 * one function, and each is a single conditional statement (or one batch), so
 * the rule "an organisation keeps at least one admin" holds even when two
 * admins demote or remove each other at the same moment: the WHERE clause
 * itself counts the other active admins, there is no read-then-write gap.
 */

import { forbidden, notFound, ProblemError, type Role } from "@studyhall/core";
import {
  type Db,
  forgetUserAccess,
  oneAtATime,
  refreshTokens,
  type TransferResult,
  together,
  transferOwnership,
  type User,
  users,
} from "@studyhall/db";
import { and, asc, eq, isNotNull, isNull, ne, or, type SQL, sql } from "drizzle-orm";

/** Who asks for the change: an admin of the organisation (the route checks the role). */
export interface MembershipActor {
  id: string;
  orgId: string;
}

/** True while the organisation has an active admin other than `memberId`. */
function anotherAdmin(orgId: string, memberId: string): SQL {
  return sql`exists (select 1 from ${users} as other where other.org_id = ${orgId} and other.role = 'admin' and other.removed_at is null and other.id <> ${memberId})`;
}

/** The member's row may change only if it is not the last active admin. */
function keepsAnAdmin(orgId: string, memberId: string): SQL {
  return or(ne(users.role, "admin"), anotherAdmin(orgId, memberId))!;
}

/**
 * What changes to an organisation's admins take turns on. Each is one statement that checks another admin
 * remains; D1 runs them one at a time, PostgreSQL would let two admins demoting each other both pass.
 */
const adminsKey = (orgId: string) => `admins:${orgId}`;

const activeMember = (orgId: string, memberId: string) => and(eq(users.id, memberId), eq(users.orgId, orgId), isNull(users.removedAt));

/** After a refused conditional write: was there no such member (404), or would it leave no admin (409)? */
async function refusal(db: Db, orgId: string, memberId: string): Promise<ProblemError> {
  const member = await db.query.users.findFirst({ where: activeMember(orgId, memberId), columns: { id: true } });
  if (!member) return notFound("member");
  return new ProblemError("conflict", { detail: "An organisation keeps at least one admin: make someone else admin first." });
}

/**
 * Gives an active member another role. Demoting an admin succeeds only while
 * another active admin remains, decided inside the UPDATE.
 * @throws ProblemError not-found (no such active member), conflict (the last admin).
 */
export async function changeMemberRole(db: Db, actor: MembershipActor, memberId: string, role: Role): Promise<User> {
  const [updated] = await oneAtATime(db, adminsKey(actor.orgId), (q) =>
    q
      .update(users)
      .set({ role })
      .where(and(activeMember(actor.orgId, memberId), role === "admin" ? undefined : keepsAnAdmin(actor.orgId, memberId)))
      .returning(),
  );
  if (!updated) throw await refusal(db, actor.orgId, memberId);
  await forgetUserAccess(db, memberId);
  return updated;
}

/**
 * Removes a member from the organisation: the account is marked removed and
 * every refresh token it holds is revoked, in one transaction. Its access
 * tokens stop working at the next request (see `currentAccess`); what it owned
 * stays with the organisation (see `transferOwnership`). The last active admin
 * cannot be removed, not even by themselves.
 * @throws ProblemError not-found (no such active member), conflict (the last admin).
 */
export async function removeMember(db: Db, actor: MembershipActor, memberId: string, now = Date.now()): Promise<User> {
  const [removed] = await oneAtATime(db, adminsKey(actor.orgId), (q) =>
    together(q, (tx) => [
      tx
        .update(users)
        .set({ removedAt: new Date(now) })
        .where(and(activeMember(actor.orgId, memberId), keepsAnAdmin(actor.orgId, memberId)))
        .returning(),
      // Runs in the same transaction and only if the account is removed by now (by this call or an earlier one).
      tx
        .update(refreshTokens)
        .set({ revokedAt: new Date(now) })
        .where(
          and(
            eq(refreshTokens.userId, memberId),
            isNull(refreshTokens.revokedAt),
            sql`exists (select 1 from ${users} where ${users.id} = ${memberId} and ${users.orgId} = ${actor.orgId} and ${isNotNull(users.removedAt)})`,
          ),
        ),
    ]),
  );
  const member = removed[0];
  if (!member) throw await refusal(db, actor.orgId, memberId);
  await forgetUserAccess(db, memberId);
  return member;
}

/** Which members to list: one role or all, and whether removed members are included (admins only). */
export interface MemberFilter {
  role?: Role;
  includeRemoved: boolean;
}

/**
 * The organisation's members, oldest first; removed members only when an admin asks for them.
 * @throws ProblemError forbidden when anyone but an admin asks for removed members.
 */
export async function listMembers(db: Db, viewer: MembershipActor & { role: Role }, filter: MemberFilter): Promise<User[]> {
  if (filter.includeRemoved && viewer.role !== "admin") throw forbidden("Only admins see removed members.");
  return db
    .select()
    .from(users)
    .where(
      and(
        eq(users.orgId, viewer.orgId),
        filter.role ? eq(users.role, filter.role) : undefined,
        filter.includeRemoved ? undefined : isNull(users.removedAt),
      ),
    )
    .orderBy(asc(users.createdAt));
}

/**
 * Hands everything a member owns to another teacher or admin (see `transferOwnership`). Removed members
 * too: handing over what they left behind is the point.
 * @throws ProblemError not-found when the member is not of the actor's organisation.
 */
export async function transferMember(db: Db, actor: MembershipActor, memberId: string, toUserId: string): Promise<TransferResult> {
  const member = await db.query.users.findFirst({
    where: and(eq(users.id, memberId), eq(users.orgId, actor.orgId)),
    columns: { id: true },
  });
  if (!member) throw notFound("member");
  return transferOwnership(db, actor.orgId, member.id, toUserId);
}
