/**
 * Creating, listing, changing and deleting courses. Who may see a course and
 * who may change it follow `course-access.ts`; handing a course to another
 * owner is an admin's decision, and the new owner must be able to own things
 * (`ownership.ts`) at the moment of the write, not only when it was asked.
 */

import { forbidden, notFound } from "@studyhall/core";
import { and, desc, eq } from "drizzle-orm";
import { forgetCourseAccess } from "./access-cache.ts";
import { editableCourse, type Viewer, visibleCourses } from "./course-access.ts";
import { type CourseStores, courseFiles, deleteCourseFiles } from "./course-files.ts";
import type { Db } from "./index.ts";
import { cancelJobsOf } from "./job-orphans.ts";
import { assertCanOwn, canOwnSql } from "./ownership.ts";
import type { Job } from "./tables.ts";
import { type Course, type CourseStatus, courses } from "./tables.ts";

export interface NewCourse {
  title: string;
  description?: string | undefined;
  audience?: string | undefined;
}

/**
 * An empty draft course owned by the viewer. Only teachers and admins create courses; the route checks the role.
 * @example const course = await createCourse(db, me, { title: "Optics" });
 */
export async function createCourse(db: Db, viewer: Viewer, input: NewCourse): Promise<Course> {
  const [course] = await db
    .insert(courses)
    .values({
      orgId: viewer.orgId,
      ownerId: viewer.id,
      title: input.title,
      description: input.description ?? "",
      audience: input.audience ?? null,
    })
    .returning();
  return course!;
}

/**
 * The courses a viewer may see, newest first, optionally of one status.
 * @example const page = await listCourses(db, me, { limit: 50, offset: 0 });
 */
export async function listCourses(
  db: Db,
  viewer: Viewer,
  query: { status?: CourseStatus | undefined; limit: number; offset: number },
): Promise<Course[]> {
  return db
    .select()
    .from(courses)
    .where(and(visibleCourses(viewer), query.status ? eq(courses.status, query.status) : undefined))
    .orderBy(desc(courses.createdAt))
    .limit(query.limit)
    .offset(query.offset);
}

export interface CoursePatch extends Partial<NewCourse> {
  status?: "DRAFT" | "PUBLISHED" | undefined;
  visibility?: "org" | "invited" | undefined;
  /** Admins only: the teacher or admin who looks after the course from now on. */
  ownerId?: string | undefined;
}

/**
 * Changes a course the viewer may change; publishing stamps `publishedAt` the first time.
 * @throws ProblemError not-found, forbidden (not the owner or an admin, or a teacher handing the course over),
 *   validation-failed (the new owner cannot own things, checked again in the write).
 * @example const updated = await updateCourse(db, me, params.id, { status: "PUBLISHED" });
 */
export async function updateCourse(db: Db, viewer: Viewer, id: string, patch: CoursePatch): Promise<Course> {
  const course = await editableCourse(db, viewer, id);
  if (patch.ownerId !== undefined && patch.ownerId !== course.ownerId) {
    if (viewer.role !== "admin") throw forbidden("Only an admin can hand a course to another teacher.");
    await assertCanOwn(db, viewer.orgId, patch.ownerId, "ownerId");
  }
  const publishing = patch.status === "PUBLISHED" && course.status !== "PUBLISHED";
  const [updated] = await db
    .update(courses)
    .set({ ...patch, ...(publishing ? { publishedAt: new Date() } : {}) })
    // Checked again in the write: a new owner removed or demoted meanwhile does not receive the course.
    .where(and(eq(courses.id, course.id), patch.ownerId ? canOwnSql(viewer.orgId, patch.ownerId) : undefined))
    .returning();
  if (!updated) {
    // Nothing written: the new owner was removed or demoted meanwhile, or the course was deleted.
    if (patch.ownerId) await assertCanOwn(db, viewer.orgId, patch.ownerId, "ownerId");
    throw notFound("course");
  }
  // Status, visibility and owner decide who may read it: cached decisions about it end here.
  await forgetCourseAccess(db, course.id);
  return updated;
}

/**
 * Deletes a course the viewer may change, with everything in it: its rows, its exports' files, its cached
 * lessons, and the jobs still working on it (cancelled, with the reason). The files go first, so a failure
 * leaves the course there to be deleted again, and once more after the rows, for a file a job still running
 * wrote meanwhile (one written later finds its export gone and removes it itself). Answers the course as it
 * was and the jobs it cancelled.
 * @example const { course, cancelled } = await deleteCourse(db, { files: env.FILES, lessons: env.LESSONS }, me, params.id);
 */
export async function deleteCourse(
  db: Db,
  stores: CourseStores,
  viewer: Viewer,
  id: string,
): Promise<{ course: Course; cancelled: Job[] }> {
  const course = await editableCourse(db, viewer, id);
  const cancelled = await cancelJobsOf(db, course.orgId, { courseId: course.id });
  const files = await courseFiles(db, course);
  await deleteCourseFiles(stores, files);
  await db.delete(courses).where(eq(courses.id, course.id));
  await deleteCourseFiles(stores, files);
  await forgetCourseAccess(db, course.id);
  return { course, cancelled };
}
