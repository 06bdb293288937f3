/**
 * Live sessions' rows: opening one (a study room for a course, or tutoring
 * with one student), listing and reading the ones a viewer may join, and the
 * moderator's checks for muting and closing. The room itself (a Durable
 * Object) holds the messages; the API sets it up through the callback
 * `openSession` is given, so a session whose room failed is not left behind.
 */

import { notFound, ProblemError } from "@studyhall/core";
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Viewer } from "./course-access.ts";
import type { Db } from "./index.ts";
import { assertCanModerate, visibleSessions } from "./session-access.ts";
import type { Course } from "./tables.ts";
import { type Session, sessions, users } from "./tables.ts";

/**
 * A session the viewer may see and join, or 404; the same rule the room holds its people to (nobody removed).
 * @throws ProblemError not-found.
 */
export async function joinableSession(db: Db, viewer: Viewer, id: string): Promise<Session> {
  const [row] = await db
    .select({ session: sessions })
    .from(sessions)
    .innerJoin(users, and(eq(users.id, viewer.id), isNull(users.removedAt)))
    .where(and(eq(sessions.id, id), visibleSessions(viewer)));
  if (!row) throw notFound("session");
  return row.session;
}

/**
 * A joinable session the viewer may moderate (see `assertCanModerate`).
 * @throws ProblemError not-found, forbidden.
 */
export async function moderatedSession(db: Db, viewer: Viewer, id: string): Promise<Session> {
  const session = await joinableSession(db, viewer, id);
  assertCanModerate(viewer, session);
  return session;
}

/** What a teacher opens: a study room for a course, or tutoring with one student (about a course or not). */
export type SessionRequest =
  | { kind: "study-room"; courseId: string; title?: string }
  | { kind: "tutoring"; studentId: string; courseId?: string; title?: string };

/**
 * Opens a session: its row, then its room through `setUpRoom`. `course` is the request's course, already
 * checked to be visible to the viewer (null when it names none).
 * @throws ProblemError not-found (no such user), bad-request (not a student), service-unavailable (the room
 * could not be set up; the row is removed again).
 */
export async function openSession(
  db: Db,
  viewer: Viewer,
  request: SessionRequest,
  course: Course | null,
  setUpRoom: (session: Session) => Promise<void>,
): Promise<Session> {
  let defaultTitle = `Study room: ${course?.title ?? ""}`;
  if (request.kind === "tutoring") {
    const student = await db.query.users.findFirst({ where: and(eq(users.id, request.studentId), eq(users.orgId, viewer.orgId)) });
    if (!student) throw notFound("user");
    if (student.role !== "student")
      throw new ProblemError("bad-request", { detail: "A tutoring session is with a student of your organisation." });
    defaultTitle = course ? `Tutoring: ${student.name} (${course.title})` : `Tutoring: ${student.name}`;
  }
  const [session] = await db
    .insert(sessions)
    .values({
      orgId: viewer.orgId,
      kind: request.kind,
      title: (request.title ?? defaultTitle).slice(0, 200),
      courseId: course?.id ?? null,
      createdBy: viewer.id,
      studentId: request.kind === "tutoring" ? request.studentId : null,
    })
    .returning();
  const s = session!;
  try {
    await setUpRoom(s);
  } catch (error) {
    // A session whose room was never set up could not be joined: do not leave it behind.
    await db.delete(sessions).where(eq(sessions.id, s.id));
    throw new ProblemError("service-unavailable", { detail: "The session room could not be set up; try again.", cause: error });
  }
  return s;
}

/** The sessions a viewer may join, newest first, optionally only open or closed ones. */
export function listSessions(
  db: Db,
  viewer: Viewer,
  filter: { status?: Session["status"]; limit: number; offset: number },
): Promise<Session[]> {
  return db
    .select()
    .from(sessions)
    .where(and(visibleSessions(viewer), filter.status ? eq(sessions.status, filter.status) : undefined))
    .orderBy(desc(sessions.createdAt))
    .limit(filter.limit)
    .offset(filter.offset);
}

/**
 * The session in which the viewer may mute or unmute `userId`, a member of their organisation.
 * @throws ProblemError not-found (the session, or the user), forbidden.
 */
export async function sessionToMuteIn(db: Db, viewer: Viewer, id: string, userId: string): Promise<Session> {
  const session = await moderatedSession(db, viewer, id);
  const target = await db.query.users.findFirst({ where: and(eq(users.id, userId), eq(users.orgId, viewer.orgId)) });
  if (!target) throw notFound("user");
  return session;
}

/**
 * Closes a session the viewer moderates and returns it closed (or as it was, when it was closed already:
 * the caller still closes its room, in case the room missed the first call).
 * @throws ProblemError not-found, forbidden.
 */
export async function closeSession(db: Db, viewer: Viewer, id: string, now = Date.now()): Promise<Session> {
  const session = await moderatedSession(db, viewer, id);
  const [closed] = await db
    .update(sessions)
    .set({ status: "closed", closedAt: new Date(now) })
    .where(and(eq(sessions.id, session.id), eq(sessions.status, "open")))
    .returning();
  return closed ?? session;
}

/** A session of the organisation, for the jobs that work in its room; none when it is gone. */
export function sessionInOrg(db: Db, orgId: string, sessionId: string): Promise<Session | undefined> {
  return db.query.sessions.findFirst({ where: and(eq(sessions.id, sessionId), eq(sessions.orgId, orgId)) });
}
