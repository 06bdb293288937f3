/**
 * Who may own an organisation's courses, documents, sessions, practice
 * questions and exports, and handing all of a member's over to someone else
 * (when they leave, or stop teaching). What a member made belongs to the
 * organisation; ownership only says which teacher looks after it.
 */

import { ProblemError } from "@studyhall/core";
import { and, count, eq, inArray, isNull, type SQL, sql } from "drizzle-orm";
import { forgetUserAccess } from "./access-cache.ts";
import type { Db } from "./index.ts";
import { courseExports, courses, documents, practiceQuestions, sessions, users } from "./tables.ts";
import { together } from "./write-together.ts";

/** True while `userId` is an active teacher or admin of `orgId`: the only members who may own things. */
export function canOwnSql(orgId: string, userId: string): SQL {
  return sql`exists (select 1 from ${users} where ${users.id} = ${userId} and ${users.orgId} = ${orgId} and ${users.removedAt} is null and ${users.role} in ('teacher', 'admin'))`;
}

const notAnOwner = (field: string) =>
  new ProblemError("validation-failed", {
    detail: `${field} must be an active teacher or admin of your organisation.`,
    extensions: { invalidParams: [{ name: field, reason: "must be an active teacher or admin of your organisation" }] },
  });

/**
 * Throws 400 unless `userId` may own things in `orgId` (an active teacher or admin).
 * @example await assertCanOwn(db, me.orgId, body.ownerId, "ownerId");
 */
export async function assertCanOwn(db: Db, orgId: string, userId: string, field: string): Promise<void> {
  const owner = await db.query.users.findFirst({
    where: and(eq(users.id, userId), eq(users.orgId, orgId), isNull(users.removedAt), inArray(users.role, ["teacher", "admin"])),
    columns: { id: true },
  });
  if (!owner) throw notAnOwner(field);
}

/** How many of each kind moved; `documentsKept` stayed because the new owner already has the same file. */
export interface TransferResult {
  courses: number;
  documents: number;
  sessions: number;
  questions: number;
  exports: number;
  documentsKept: number;
}

/**
 * Moves everything `fromUserId` owns in the organisation to `toUserId`, in
 * one transaction. Every statement also checks that the new owner may own
 * things, so a new owner removed or demoted meanwhile receives nothing. A
 * document whose file the new owner already uploaded stays (an owner holds
 * one document per file); its courses move all the same.
 * @throws ProblemError validation-failed when `toUserId` is the same member, or not an active teacher or admin.
 */
export async function transferOwnership(db: Db, orgId: string, fromUserId: string, toUserId: string): Promise<TransferResult> {
  if (fromUserId === toUserId) throw notAnOwner("toUserId");
  await assertCanOwn(db, orgId, toUserId, "toUserId");
  const target = canOwnSql(orgId, toUserId);
  const alreadyHeld = sql`exists (select 1 from ${documents} as held where held.owner_id = ${toUserId} and held.sha256 = ${documents.sha256})`;
  const [movedCourses, movedDocuments, movedSessions, movedQuestions, movedExports, kept] = await together(db, (tx) => [
    tx
      .update(courses)
      .set({ ownerId: toUserId })
      .where(and(eq(courses.orgId, orgId), eq(courses.ownerId, fromUserId), target))
      .returning({ id: courses.id }),
    tx
      .update(documents)
      .set({ ownerId: toUserId })
      .where(and(eq(documents.orgId, orgId), eq(documents.ownerId, fromUserId), target, sql`not ${alreadyHeld}`))
      .returning({ id: documents.id }),
    tx
      .update(sessions)
      .set({ createdBy: toUserId })
      .where(and(eq(sessions.orgId, orgId), eq(sessions.createdBy, fromUserId), target))
      .returning({ id: sessions.id }),
    tx
      .update(practiceQuestions)
      .set({ ownerId: toUserId })
      .where(and(eq(practiceQuestions.orgId, orgId), eq(practiceQuestions.ownerId, fromUserId), target))
      .returning({ id: practiceQuestions.id }),
    tx
      .update(courseExports)
      .set({ ownerId: toUserId })
      .where(and(eq(courseExports.orgId, orgId), eq(courseExports.ownerId, fromUserId), target))
      .returning({ id: courseExports.id }),
    tx
      .select({ n: count() })
      .from(documents)
      .where(and(eq(documents.orgId, orgId), eq(documents.ownerId, fromUserId))),
  ]);
  // The old owner loses the drafts that moved (a teacher sees only their own unpublished courses).
  if (movedCourses.length) await forgetUserAccess(db, fromUserId);
  return {
    courses: movedCourses.length,
    documents: movedDocuments.length,
    sessions: movedSessions.length,
    questions: movedQuestions.length,
    exports: movedExports.length,
    documentsKept: kept[0]?.n ?? 0,
  };
}
