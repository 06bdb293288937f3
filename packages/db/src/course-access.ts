/**
 * Who sees which course. Everything is scoped to the caller's organisation;
 * students see only published courses (published to the whole organisation,
 * or to invited students when they are invited or already enrolled), teachers
 * their own and published ones, admins all. A course outside that set answers
 * 404: its existence is not shown. Owning something gives its powers only
 * while the owner teaches: a teacher demoted to student or operator keeps the
 * rows (they stay with the organisation) but none of the owner's rights.
 */

import { notFound, ProblemError, type Role } from "@studyhall/core";
import { and, eq, or, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { Db } from "./index.ts";
import { type Course, courseInvitations, courses, enrolments } from "./tables.ts";

export interface Viewer {
  id: string;
  orgId: string;
  role: Role;
}

/**
 * A viewer whose id and organisation may be columns of an enclosing query, so that one statement can ask
 * the same rule for many users at once (see `joinableNow`).
 */
export interface ViewerRef {
  id: string | SQLWrapper;
  orgId: string | SQLWrapper;
  role: Role;
}

/** The WHERE clause of the courses a viewer may see. */
export function visibleCourses(viewer: ViewerRef): SQL {
  const inOrg = eq(courses.orgId, viewer.orgId);
  if (viewer.role === "admin") return inOrg;
  if (viewer.role === "teacher") return and(inOrg, or(eq(courses.ownerId, viewer.id), eq(courses.status, "PUBLISHED")))!;
  // Enrolled students keep an invited-only course even if it was published to the organisation when they joined.
  const invited = sql`exists (select 1 from ${courseInvitations} where ${courseInvitations.courseId} = ${courses.id} and ${courseInvitations.userId} = ${viewer.id})`;
  const enrolled = sql`exists (select 1 from ${enrolments} where ${enrolments.courseId} = ${courses.id} and ${enrolments.userId} = ${viewer.id})`;
  return and(inOrg, eq(courses.status, "PUBLISHED"), or(eq(courses.visibility, "org"), invited, enrolled))!;
}

/**
 * The course if the viewer may see it; 404 otherwise, the same answer as for a course that does not exist.
 * @example const course = await visibleCourse(db, me, params.id);
 */
export async function visibleCourse(db: Db, viewer: Viewer, id: string): Promise<Course> {
  const [course] = await db
    .select()
    .from(courses)
    .where(and(eq(courses.id, id), visibleCourses(viewer)));
  if (!course) throw notFound("course");
  return course;
}

/**
 * A course the viewer may see and change: 404 when they cannot see it, 403 when they see it but may not change it.
 * @example const course = await editableCourse(db, me, params.id);
 */
export async function editableCourse(db: Db, viewer: Viewer, id: string): Promise<Course> {
  const course = await visibleCourse(db, viewer, id);
  assertCanEdit(viewer, course);
  return course;
}

/** Roles whose ownership of a course, session, document or export carries the owner's powers. */
const OWNER_ROLES: readonly Role[] = ["admin", "teacher"];

/**
 * Whether the viewer owns something and may act as its owner now. Every
 * owner check goes through here, so a role change takes effect at the next request.
 * @example holdsOwnerPowers(me, course.ownerId) // false once `me` was demoted to student
 */
export function holdsOwnerPowers(viewer: Viewer, ownerId: string): boolean {
  return ownerId === viewer.id && OWNER_ROLES.includes(viewer.role);
}

/** Whether a viewer may change a course: its owner while they teach, or an admin of its organisation. */
export function canEditCourse(viewer: Viewer, course: Course): boolean {
  if (course.orgId !== viewer.orgId) return false;
  return viewer.role === "admin" || holdsOwnerPowers(viewer, course.ownerId);
}

/** Throws 403 unless the viewer may change a visible course (see `canEditCourse`). */
export function assertCanEdit(viewer: Viewer, course: Course): void {
  if (canEditCourse(viewer, course)) return;
  throw new ProblemError("forbidden", { detail: "Only the course's owner (while a teacher) or an admin can change it." });
}
