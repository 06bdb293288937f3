/**
 * Invited students of a course published with `visibility: "invited"`: its
 * owner or an admin invites students of the organisation, lists and revokes
 * them. Revoking also ends the student's enrolment in an invited-only course,
 * so access really ends (lessons read and attempts are kept).
 */

import { ProblemError } from "@studyhall/core";
import { and, asc, eq } from "drizzle-orm";
import { forgetUserAccess } from "./access-cache.ts";
import { editableCourse, type Viewer } from "./course-access.ts";
import { inList } from "./dialect.ts";
import type { Db } from "./index.ts";
import type { Course } from "./tables.ts";
import { courseInvitations, enrolments, users } from "./tables.ts";
import { together } from "./write-together.ts";

/** Rows per insert: three bound values each, under D1's 100 per statement. */
const ROWS_PER_INSERT = 30;

/** An invited student; `enrolled` once they took up the invitation. */
export interface InvitedStudent {
  userId: string;
  name: string;
  email: string;
  invitedAt: Date;
  enrolled: boolean;
}

export interface CourseInvitationList {
  courseId: string;
  items: InvitedStudent[];
}

async function invitationsOf(db: Db, courseId: string): Promise<CourseInvitationList> {
  const rows = await db
    .select({
      userId: users.id,
      name: users.name,
      email: users.email,
      invitedAt: courseInvitations.createdAt,
      enrolledAt: enrolments.enrolledAt,
    })
    .from(courseInvitations)
    .innerJoin(users, eq(users.id, courseInvitations.userId))
    .leftJoin(enrolments, and(eq(enrolments.courseId, courseInvitations.courseId), eq(enrolments.userId, courseInvitations.userId)))
    .where(eq(courseInvitations.courseId, courseId))
    .orderBy(asc(courseInvitations.createdAt), asc(users.id));
  return {
    courseId,
    items: rows.map((r) => ({ userId: r.userId, name: r.name, email: r.email, invitedAt: r.invitedAt, enrolled: r.enrolledAt !== null })),
  };
}

/**
 * The students invited to a course, in the order they were invited, for its owner or an admin.
 * @example const { items } = await courseInvitationList(db, me, params.id);
 */
export async function courseInvitationList(db: Db, viewer: Viewer, courseId: string): Promise<CourseInvitationList> {
  const course = await editableCourse(db, viewer, courseId);
  return invitationsOf(db, course.id);
}

/** Which of the ids asked for are not students of the course's organisation, by their index in the request. */
export interface RejectedInvitees {
  invalid: { path: (string | number)[]; message: string }[];
}

/**
 * Invites students of the course's organisation (inviting again is harmless) and answers everyone now invited,
 * or, when any id is not a student of the organisation, which ones (`invalid`) and invites no one.
 * @example const result = await inviteStudents(db, me, params.id, body.userIds);
 */
export async function inviteStudents(
  db: Db,
  viewer: Viewer,
  courseId: string,
  requested: string[],
): Promise<CourseInvitationList | RejectedInvitees> {
  const course = await editableCourse(db, viewer, courseId);
  const userIds = [...new Set(requested)];
  const students = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.orgId, course.orgId), eq(users.role, "student"), inList(users.id, userIds)));
  const found = new Set(students.map((s) => s.id));
  // The same answer for an unknown id and another organisation's user: nothing about other organisations shows.
  const invalid = requested.flatMap((id, i) =>
    found.has(id) ? [] : [{ path: ["userIds", i], message: "Not a student of your organisation." }],
  );
  if (invalid.length) return { invalid };
  const now = new Date();
  const chunks: (typeof courseInvitations.$inferInsert)[][] = [];
  for (let i = 0; i < userIds.length; i += ROWS_PER_INSERT)
    chunks.push(userIds.slice(i, i + ROWS_PER_INSERT).map((userId) => ({ courseId: course.id, userId, createdAt: now })));
  if (chunks.length) {
    await together(db, (tx) => {
      const [first, ...rest] = chunks.map((chunk) => tx.insert(courseInvitations).values(chunk).onConflictDoNothing());
      return [first!, ...rest];
    });
  }
  return invitationsOf(db, course.id);
}

/**
 * Revokes a student's invitation; in an invited-only course their enrolment ends too. Answers the course,
 * whose rooms should re-check who may stay.
 * @throws ProblemError not-found when the course is not visible or the student is not invited.
 * @example const course = await revokeCourseInvitation(db, me, params.id, params.userId);
 */
export async function revokeCourseInvitation(db: Db, viewer: Viewer, courseId: string, userId: string): Promise<Course> {
  const course = await editableCourse(db, viewer, courseId);
  const removed = await db
    .delete(courseInvitations)
    .where(and(eq(courseInvitations.courseId, course.id), eq(courseInvitations.userId, userId)))
    .returning({ userId: courseInvitations.userId });
  if (!removed.length) throw new ProblemError("not-found", { detail: "That student is not invited to this course." });
  if (course.visibility === "invited")
    await db.delete(enrolments).where(and(eq(enrolments.courseId, course.id), eq(enrolments.userId, userId)));
  await forgetUserAccess(db, userId);
  return course;
}
