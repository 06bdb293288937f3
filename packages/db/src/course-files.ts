/**
 * What a course keeps outside D1, and removing it when the course is deleted:
 * its exports' files in R2 (`exports/<orgId>/<exportId>.<ext>`, written by the
 * export job) and its lessons' cached copies in KV. D1's cascade removes the
 * rows; nothing else would remove these.
 */
import { eq } from "drizzle-orm";
import type { Db } from "./index.ts";
import { forgetCourseLessons } from "./lesson-cache.ts";
import { courseExports, lessons } from "./tables.ts";

/** Where an export's file lives, but for its extension: chosen from ids, never from a course title. */
export const exportKeyPrefix = (orgId: string, exportId: string) => `exports/${orgId}/${exportId}.`;

/** The stores a course's files and cached lessons live in. */
export interface CourseStores {
  files: R2Bucket;
  lessons: KVNamespace;
}

/** A course's things outside D1, found from its rows while they exist. */
export interface CourseFiles {
  courseId: string;
  /** One per export, finished or not: a running export's file has no key in its row yet. */
  exportPrefixes: string[];
  lessonIds: string[];
}

/** What the course keeps outside D1, read from its rows. */
export async function courseFiles(db: Db, course: { id: string; orgId: string }): Promise<CourseFiles> {
  const [exports, lessonRows] = await Promise.all([
    db.select({ id: courseExports.id }).from(courseExports).where(eq(courseExports.courseId, course.id)),
    db.select({ id: lessons.id }).from(lessons).where(eq(lessons.courseId, course.id)),
  ]);
  return {
    courseId: course.id,
    exportPrefixes: exports.map((e) => exportKeyPrefix(course.orgId, e.id)),
    lessonIds: lessonRows.map((l) => l.id),
  };
}

/** Deletes every R2 object under `prefix`, a page at a time. */
export async function deleteUnder(bucket: R2Bucket, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    if (page.objects.length) await bucket.delete(page.objects.map((o) => o.key));
    deleted += page.objects.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}

/** Removes the course's export files and cached lessons; safe to run again. */
export async function deleteCourseFiles(stores: CourseStores, files: CourseFiles): Promise<void> {
  for (const prefix of files.exportPrefixes) await deleteUnder(stores.files, prefix);
  await forgetCourseLessons(stores.lessons, files.courseId, files.lessonIds);
}
