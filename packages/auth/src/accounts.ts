/**
 * Accounts: registering (a new organisation, or joining one by invitation),
 * signing in, and invitations. Everything here enforces the rules; the routes
 * only validate shapes and call in.
 */

import { type Config, grantableRoles, notFound, ProblemError, type Role } from "@studyhall/core";
import { type Db, invitations, type Organisation, organisations, together, type User, users } from "@studyhall/db";
import { and, desc, eq, gt, isNull, or, type SQL } from "drizzle-orm";
import { randomToken, sha256Hex } from "./encoding.ts";
import { hashPassword, verifyPassword } from "./password.ts";

function assertPassword(config: Config, password: string): void {
  if (password.length < config.PASSWORD_MIN_LENGTH) {
    throw new ProblemError("validation-failed", {
      detail: `The password must be at least ${config.PASSWORD_MIN_LENGTH} characters.`,
      extensions: { invalidParams: [{ name: "password", reason: `must be at least ${config.PASSWORD_MIN_LENGTH} characters` }] },
    });
  }
}

async function assertEmailFree(db: Db, email: string): Promise<void> {
  const taken = await db.query.users.findFirst({ where: eq(users.email, email), columns: { id: true } });
  if (taken) throw new ProblemError("conflict", { detail: "An account with this email already exists; sign in instead." });
}

export interface Registration {
  email: string;
  password: string;
  name: string;
  organisationName?: string;
  invitationCode?: string;
}

/** Creates an account: the first admin of a new organisation, or a member through an invitation. */
export async function register(
  db: Db,
  config: Config,
  input: Registration,
  now = Date.now(),
): Promise<{ user: User; organisation: Organisation }> {
  assertPassword(config, input.password);
  await assertEmailFree(db, input.email);
  const passwordHash = await hashPassword(input.password);

  if (!input.invitationCode) {
    const organisation: Organisation = {
      id: crypto.randomUUID(),
      name: input.organisationName!,
      linkExternalByEmail: false,
      createdAt: new Date(now),
    };
    const user = newUser(organisation.id, input, "admin", passwordHash, now);
    await together(db, (tx) => [tx.insert(organisations).values(organisation), tx.insert(users).values(user)]);
    return { user, organisation };
  }

  const invitation = await redeemable(db, input.invitationCode, input.email, now);
  // Claim the invitation first with a conditional update: two people racing for one code cannot both win.
  const claimed = await db
    .update(invitations)
    .set({ usedAt: new Date(now) })
    .where(and(eq(invitations.id, invitation.id), isNull(invitations.usedAt), isNull(invitations.revokedAt)))
    .returning({ id: invitations.id });
  if (claimed.length === 0) throw new ProblemError("invitation-invalid", { detail: "This invitation has already been used." });
  const user = newUser(invitation.orgId, input, invitation.role, passwordHash, now);
  try {
    await together(db, (tx) => [
      tx.insert(users).values(user),
      tx.update(invitations).set({ usedBy: user.id }).where(eq(invitations.id, invitation.id)),
    ]);
  } catch (error) {
    await db.update(invitations).set({ usedAt: null }).where(eq(invitations.id, invitation.id));
    throw new ProblemError("conflict", { detail: "An account with this email already exists; sign in instead.", cause: error });
  }
  const organisation = await db.query.organisations.findFirst({ where: eq(organisations.id, invitation.orgId) });
  return { user, organisation: organisation! };
}

function newUser(orgId: string, input: Registration, role: Role, passwordHash: string, now: number): User {
  return {
    id: crypto.randomUUID(),
    orgId,
    email: input.email,
    name: input.name,
    role,
    passwordHash,
    externalSubject: null,
    removedAt: null,
    createdAt: new Date(now),
    updatedAt: new Date(now),
  };
}

async function redeemable(db: Db, code: string, email: string, now: number) {
  const invitation = await db.query.invitations.findFirst({ where: eq(invitations.codeHash, await sha256Hex(code)) });
  const refuse = (detail: string) => new ProblemError("invitation-invalid", { detail });
  if (!invitation) throw refuse("No invitation has this code.");
  if (invitation.revokedAt) throw refuse("This invitation was revoked.");
  if (invitation.usedAt) throw refuse("This invitation has already been used.");
  if (invitation.expiresAt.getTime() <= now) throw refuse("This invitation has expired.");
  if (invitation.email && invitation.email !== email) throw refuse("This invitation was issued for another email address.");
  return invitation;
}

/**
 * Checks an email and password. An unknown email costs the same PBKDF2 work
 * and gets the same answer as a wrong password.
 */
export async function login(db: Db, email: string, password: string): Promise<User> {
  const user = await db.query.users.findFirst({ where: eq(users.email, email) });
  const ok = await verifyPassword(password, user?.passwordHash);
  if (!user || !ok) throw new ProblemError("invalid-credentials", { detail: "The email or the password is wrong." });
  // Only after the password matched, so the answer tells a stranger nothing about the account.
  if (user.removedAt) {
    throw new ProblemError("account-removed", {
      detail: "This account was removed from its organisation; ask one of its admins if that is a mistake.",
    });
  }
  return user;
}

export interface InvitationRequest {
  role: Role;
  email?: string;
  expiresInSeconds?: number;
}

/** Issues an invitation code; only its hash is stored, so the code is shown once. */
export async function createInvitation(
  db: Db,
  config: Config,
  inviter: { id: string; orgId: string; role: Role },
  request: InvitationRequest,
  now = Date.now(),
) {
  if (!grantableRoles(inviter.role).includes(request.role)) {
    throw new ProblemError("forbidden", { detail: `A ${inviter.role} cannot invite a ${request.role}.` });
  }
  const code = randomToken(18);
  const row = {
    id: crypto.randomUUID(),
    orgId: inviter.orgId,
    codeHash: await sha256Hex(code),
    role: request.role,
    email: request.email ?? null,
    createdBy: inviter.id,
    expiresAt: new Date(now + (request.expiresInSeconds ?? config.INVITATION_TTL) * 1000),
    createdAt: new Date(now),
  };
  await db.insert(invitations).values(row);
  return { id: row.id, code, role: row.role, email: row.email, expiresAt: row.expiresAt, createdAt: row.createdAt };
}

/**
 * The invitations a member manages: admins every one of the organisation;
 * teachers the student invitations and any they created themselves (a
 * teacher or admin invitation is an admin's business, and its existence is not shown).
 */
export function managedInvitations(manager: { id: string; orgId: string; role: Role }): SQL {
  const inOrg = eq(invitations.orgId, manager.orgId);
  if (manager.role === "admin") return inOrg;
  return and(inOrg, or(eq(invitations.role, "student"), eq(invitations.createdBy, manager.id)))!;
}

/** Open invitations the member manages (see `managedInvitations`), newest first. */
export function openInvitations(db: Db, manager: { id: string; orgId: string; role: Role }, now = Date.now()) {
  return db.query.invitations.findMany({
    where: and(
      managedInvitations(manager),
      isNull(invitations.usedAt),
      isNull(invitations.revokedAt),
      gt(invitations.expiresAt, new Date(now)),
    ),
    columns: { codeHash: false },
    orderBy: [desc(invitations.createdAt)],
  });
}

/**
 * Revokes an open invitation the member manages. One conditional update: an
 * invitation already used or revoked, or one the member does not manage, is a 404.
 * @throws ProblemError not-found.
 */
export async function revokeInvitation(db: Db, manager: { id: string; orgId: string; role: Role }, id: string, now = Date.now()) {
  const revoked = await db
    .update(invitations)
    .set({ revokedAt: new Date(now) })
    .where(and(eq(invitations.id, id), managedInvitations(manager), isNull(invitations.usedAt), isNull(invitations.revokedAt)))
    .returning({ id: invitations.id });
  if (revoked.length === 0) throw notFound("open invitation");
}
