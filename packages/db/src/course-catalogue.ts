/**
 * What a student can study: the catalogue of published courses open to them
 * (the organisation's, and invited-only ones they were invited to), and the
 * courses they are enrolled in, with their progress.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import { type Viewer, visibleCourses } from "./course-access.ts";
import { inList } from "./dialect.ts";
import type { Db } from "./index.ts";
import { enrolmentProgress, type ProgressRow } from "./learning-progress.ts";
import { type Course, courses, enrolments } from "./tables.ts";

interface Page {
  limit: number;
  offset: number;
}

/**
 * Published courses the viewer may enrol in, most recently published first, with when they enrolled (null if not).
 * @example const entries = await catalogue(db, me, { limit: 50, offset: 0 });
 */
export async function catalogue(db: Db, viewer: Viewer, page: Page): Promise<{ course: Course; enrolledAt: Date | null }[]> {
  return db
    .select({ course: courses, enrolledAt: enrolments.enrolledAt })
    .from(courses)
    .leftJoin(enrolments, and(eq(enrolments.courseId, courses.id), eq(enrolments.userId, viewer.id)))
    .where(and(visibleCourses(viewer), eq(courses.status, "PUBLISHED")))
    .orderBy(desc(courses.publishedAt), desc(courses.createdAt))
    .limit(page.limit)
    .offset(page.offset);
}

/**
 * The viewer's enrolled courses with their progress, most recently active first. Only courses still visible:
 * an unpublished course drops out of the list (its progress is kept).
 * @example const mine = await enrolledCourses(db, me, { limit: 50, offset: 0 });
 */
export async function enrolledCourses(db: Db, viewer: Viewer, page: Page): Promise<{ course: Course; progress: ProgressRow }[]> {
  const progress = await enrolmentProgress(db, and(sql`e.user_id = ${viewer.id}`, visibleCourses(viewer))!, page.limit, page.offset);
  const courseRows = progress.length
    ? await db
        .select()
        .from(courses)
        .where(
          inList(
            courses.id,
            progress.map((p) => p.courseId),
          ),
        )
    : [];
  const byId = new Map(courseRows.map((row) => [row.id, row]));
  return progress.flatMap((p) => {
    const course = byId.get(p.courseId);
    return course ? [{ course, progress: p }] : [];
  });
}
