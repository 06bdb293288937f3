/**
 * Enrolments: a student enrolling in a course they see and leaving it again
 * (lessons read and attempts are kept, should they come back), and a course's
 * students with their progress for its owner or an admin.
 */

import { ProblemError } from "@studyhall/core";
import { and, eq, sql } from "drizzle-orm";
import { forgetUserAccess } from "./access-cache.ts";
import { editableCourse, type Viewer, visibleCourse } from "./course-access.ts";
import { inList } from "./dialect.ts";
import type { Db } from "./index.ts";
import { enrolmentProgress, type ProgressRow } from "./learning-progress.ts";
import type { Course } from "./tables.ts";
import { type Enrolment, enrolments, users } from "./tables.ts";

/**
 * Enrols the viewer in a course they see; enrolling again changes nothing (`created` says which it was).
 * A student sees only published courses open to them (see `visibleCourses`), so visible means enrollable.
 * @example const { enrolment, created } = await enrol(db, me, params.id);
 */
export async function enrol(db: Db, viewer: Viewer, courseId: string): Promise<{ enrolment: Enrolment; created: boolean }> {
  const course = await visibleCourse(db, viewer, courseId);
  const inserted = await db
    .insert(enrolments)
    .values({ courseId: course.id, userId: viewer.id, orgId: viewer.orgId })
    .onConflictDoNothing()
    .returning();
  const enrolment =
    inserted[0] ??
    (await db.query.enrolments.findFirst({ where: and(eq(enrolments.courseId, course.id), eq(enrolments.userId, viewer.id)) }))!;
  return { enrolment, created: inserted.length > 0 };
}

/**
 * Ends the viewer's enrolment in a course they see; answers the course, whose rooms should re-check who may stay.
 * @throws ProblemError not-found when the course is not visible or the viewer is not enrolled.
 * @example const course = await leaveCourse(db, me, params.id);
 */
export async function leaveCourse(db: Db, viewer: Viewer, courseId: string): Promise<Course> {
  const course = await visibleCourse(db, viewer, courseId);
  const removed = await db
    .delete(enrolments)
    .where(and(eq(enrolments.courseId, course.id), eq(enrolments.userId, viewer.id)))
    .returning({ userId: enrolments.userId });
  if (!removed.length) throw new ProblemError("not-found", { detail: "You are not enrolled in this course." });
  // An enrolment is what kept an invited-only course visible to a student who was never invited.
  await forgetUserAccess(db, viewer.id);
  return course;
}

/** An enrolled student of a course and their progress in it. */
export interface EnrolledStudent {
  userId: string;
  name: string;
  email: string;
  progress: ProgressRow;
}

/**
 * A course's enrolled students with their progress, most recently active first, for its owner or an admin.
 * Only members of the course's organisation are listed.
 * @example const students = await courseStudents(db, me, params.id, { limit: 100, offset: 0 });
 */
export async function courseStudents(
  db: Db,
  viewer: Viewer,
  courseId: string,
  page: { limit: number; offset: number },
): Promise<EnrolledStudent[]> {
  const course = await editableCourse(db, viewer, courseId);
  const progress = await enrolmentProgress(db, sql`e.course_id = ${course.id}`, page.limit, page.offset);
  const people = progress.length
    ? await db
        .select({ id: users.id, name: users.name, email: users.email })
        .from(users)
        .where(
          and(
            eq(users.orgId, course.orgId),
            inList(
              users.id,
              progress.map((p) => p.userId),
            ),
          ),
        )
    : [];
  const byId = new Map(people.map((p) => [p.id, p]));
  return progress.flatMap((p) => {
    const person = byId.get(p.userId);
    return person ? [{ userId: p.userId, name: person.name, email: person.email, progress: p }] : [];
  });
}
