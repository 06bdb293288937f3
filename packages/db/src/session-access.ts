/**
 * Who may see and join which live session. Everything is scoped to the
 * caller's organisation. Admins see every session; the teacher who opened a
 * session sees it; a tutoring session is also its student's; a study room is
 * also everyone's who can see its course (so students only once the course is
 * published). A session outside that set answers 404: its existence is not
 * shown. Moderating (deleting messages, muting, closing) and reports are for
 * the teacher who opened it, while still a teacher, and admins.
 *
 * A connected participant is held to the same rule while connected: a room
 * asks `joinableNow` which of its people may still be there, and the API finds
 * the rooms to ask after a change with `openSessionsAffectedBy`.
 */

import { ProblemError, roles } from "@studyhall/core";
import { and, desc, eq, isNull, or, type SQL, sql } from "drizzle-orm";
import type { Viewer, ViewerRef } from "./course-access.ts";
import { holdsOwnerPowers, visibleCourses } from "./course-access.ts";
import { inList } from "./dialect.ts";
import type { Db } from "./index.ts";
import { courses, type Session, sessions, users } from "./tables.ts";
import { together } from "./write-together.ts";

/** The WHERE clause of the sessions a viewer may see and join. */
export function visibleSessions(viewer: ViewerRef): SQL {
  const inOrg = eq(sessions.orgId, viewer.orgId);
  if (viewer.role === "admin") return inOrg;
  const courseVisible = sql`${sessions.courseId} in (select ${courses.id} from ${courses} where ${visibleCourses(viewer)})`;
  return and(
    inOrg,
    or(
      // Who opened a session sees it only while they teach: a demoted teacher sees what a student would.
      viewer.role === "teacher" ? eq(sessions.createdBy, viewer.id) : undefined,
      and(eq(sessions.kind, "tutoring"), eq(sessions.studentId, viewer.id)),
      and(eq(sessions.kind, "study-room"), courseVisible),
    ),
  )!;
}

/** Whether a viewer may moderate a visible session: the teacher who opened it (still a teacher), or an admin. */
export function assertCanModerate(viewer: Viewer, session: Session): void {
  if (session.orgId === viewer.orgId && (viewer.role === "admin" || holdsOwnerPowers(viewer, session.createdBy))) return;
  throw new ProblemError("forbidden", { detail: "Only the teacher who opened this session or an admin can moderate it." });
}

/**
 * Which of `userIds` may join the session now, judged by each one's current
 * row: `visibleSessions` for their role, organisation and id, and not removed
 * from the organisation. One round trip for any number of users (the rule is
 * asked once per role, with the user's own columns standing in for the
 * viewer). `session` says whether the session is still open in D1.
 * @example const { session, allowed } = await joinableNow(db, sessionId, ["u1", "u2"]);
 */
export async function joinableNow(
  db: Db,
  sessionId: string,
  userIds: readonly string[],
): Promise<{ session: "open" | "closed" | "gone"; allowed: Set<string> }> {
  const asked = inList(users.id, userIds);
  const anyRole = or(...roles.map((role) => and(eq(users.role, role), visibleSessions({ id: users.id, orgId: users.orgId, role }))));
  const [status, allowed] = await together(db, (tx) => [
    tx.select({ status: sessions.status }).from(sessions).where(eq(sessions.id, sessionId)),
    tx
      .select({ id: users.id })
      .from(users)
      .innerJoin(sessions, eq(sessions.id, sessionId))
      .where(and(asked, isNull(users.removedAt), anyRole)),
  ]);
  return { session: status[0]?.status ?? "gone", allowed: new Set(allowed.map((row) => row.id)) };
}

/** A change to who may join which sessions, described by what it touched. */
export type AccessChange =
  /** The course's status, visibility, invitations or enrolments changed. */
  | { kind: "course"; courseId: string }
  /** A course of the organisation was deleted: its study rooms are left without one. */
  | { kind: "course-deleted"; orgId: string }
  /** A member's role changed, or a member was removed. */
  | { kind: "organisation"; orgId: string };

/**
 * The open sessions whose participants a change may have shut out, newest
 * first, at most `limit` (rooms beyond it find out from their own timer).
 */
export async function openSessionsAffectedBy(db: Db, change: AccessChange, limit: number): Promise<string[]> {
  const open = eq(sessions.status, "open");
  const where =
    change.kind === "course"
      ? and(open, eq(sessions.courseId, change.courseId))
      : change.kind === "course-deleted"
        ? // Deleting a course sets its rooms' course to null; earlier orphans only hold their teacher and admins.
          and(open, eq(sessions.orgId, change.orgId), eq(sessions.kind, "study-room"), isNull(sessions.courseId))
        : and(open, eq(sessions.orgId, change.orgId));
  const rows = await db.select({ id: sessions.id }).from(sessions).where(where).orderBy(desc(sessions.createdAt)).limit(limit);
  return rows.map((row) => row.id);
}
