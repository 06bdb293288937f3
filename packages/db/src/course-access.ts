/**
 * Who sees which course. Everything is scoped to the caller's organisation;
 * students see only published courses (published to the whole organisation,
 * or to invited students when they are invited or already enrolled), teachers
 * their own and published ones, admins all. A course outside that set answers
 * 404: its existence is not shown.
 */
import { and, eq, or, sql, type SQL } from "drizzle-orm";
import { ProblemError, type Role } from "@studyhall/core";
import { courseInvitations } from "./schema/course-invitations";
import { courses, type Course } from "./schema/courses";
import { enrolments } from "./schema/enrolments";

export interface Viewer {
  id: string;
  orgId: string;
  role: Role;
}

/** The WHERE clause of the courses a viewer may see. */
export function visibleCourses(viewer: Viewer): SQL {
  const inOrg = eq(courses.orgId, viewer.orgId);
  if (viewer.role === "admin") return inOrg;
  if (viewer.role === "teacher") return and(inOrg, or(eq(courses.ownerId, viewer.id), eq(courses.status, "PUBLISHED")))!;
  // Enrolled students keep an invited-only course even if it was published to the organisation when they joined.
  const invited = sql`exists (select 1 from ${courseInvitations} where ${courseInvitations.courseId} = ${courses.id} and ${courseInvitations.userId} = ${viewer.id})`;
  const enrolled = sql`exists (select 1 from ${enrolments} where ${enrolments.courseId} = ${courses.id} and ${enrolments.userId} = ${viewer.id})`;
  return and(inOrg, eq(courses.status, "PUBLISHED"), or(eq(courses.visibility, "org"), invited, enrolled))!;
}

/** Whether a viewer may change a visible course: its owner, or an admin. */
export function assertCanEdit(viewer: Viewer, course: Course): void {
  if (viewer.role === "admin" && course.orgId === viewer.orgId) return;
  if (course.ownerId === viewer.id) return;
  throw new ProblemError("forbidden", { detail: "Only the course's owner or an admin can change it." });
}
