/**
 * regenerate-lesson: writes one lesson of a course again (the explicit
 * regenerate call) and drops its cached copy, so readers get the new version.
 */

import { courseOutlineSchema, type JobPayload, PermanentJobError } from "@studyhall/core";
import { invalidateLesson, lessonInCourse, loadParsedDocument, writeLessonVersion } from "@studyhall/db";
import { generatorFor } from "../llm.ts";
import type { JobContext } from "../runner.ts";

export async function regenerateLesson(ctx: JobContext, payload: JobPayload<"regenerate-lesson">): Promise<unknown> {
  const { db, env } = ctx;
  const { course, lesson, module } = await lessonInCourse(db, payload.courseId, payload.lessonId);
  if (!course || !lesson || !course.documentId || !course.outline) {
    throw new PermanentJobError(
      "not-found",
      "The lesson cannot be regenerated",
      "The course, its lesson, its document or its outline is gone.",
    );
  }
  // A redelivery after the new version was written must not write it again.
  if (lesson.version > payload.baseVersion) return { lessonId: lesson.id, version: lesson.version };
  const document = await loadParsedDocument(env.FILES, course.orgId, course.documentId);
  if (!module || !document)
    throw new PermanentJobError("document-not-parsed", "The document is not available", "The course's document is no longer parsed.");

  await ctx.progress(20, "writing the lesson");
  const outline = courseOutlineSchema.parse(course.outline);
  const { lesson: generated } = await generatorFor(env, db, ctx.job).call("lesson", {
    document,
    outline,
    moduleIndex: module.position,
    lessonIndex: lesson.position,
  });
  const version = await writeLessonVersion(db, lesson, payload.baseVersion, generated);
  await invalidateLesson(env.LESSONS, course.id, lesson.id);
  return { lessonId: lesson.id, version };
}
