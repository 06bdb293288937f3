/**
 * regenerate-lesson: writes one lesson of a course again (the explicit
 * regenerate call) and drops its cached copy, so readers get the new version.
 */

import { courseOutlineSchema, type JobPayload, PermanentJobError } from "@studyhall/core";
import { courses, invalidateLesson, lessons, loadParsedDocument, modules } from "@studyhall/db";
import { and, eq } from "drizzle-orm";
import { generatorFor } from "../llm.ts";
import type { JobContext } from "../runner.ts";

export async function regenerateLesson(ctx: JobContext, payload: JobPayload<"regenerate-lesson">): Promise<unknown> {
  const { db, env } = ctx;
  const course = await db.query.courses.findFirst({ where: eq(courses.id, payload.courseId) });
  const lesson = await db.query.lessons.findFirst({ where: and(eq(lessons.id, payload.lessonId), eq(lessons.courseId, payload.courseId)) });
  if (!course || !lesson || !course.documentId || !course.outline) {
    throw new PermanentJobError(
      "not-found",
      "The lesson cannot be regenerated",
      "The course, its lesson, its document or its outline is gone.",
    );
  }
  // A redelivery after the new version was written must not write it again.
  if (lesson.version > payload.baseVersion) return { lessonId: lesson.id, version: lesson.version };
  const module = await db.query.modules.findFirst({ where: eq(modules.id, lesson.moduleId) });
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
  const [updated] = await db
    .update(lessons)
    .set({
      title: generated.title,
      bodyMd: generated.bodyMd,
      keyTerms: generated.keyTerms,
      sources: generated.sources,
      version: payload.baseVersion + 1,
    })
    .where(and(eq(lessons.id, lesson.id), eq(lessons.version, payload.baseVersion)))
    .returning();
  await invalidateLesson(env.LESSONS, course.id, lesson.id);
  return { lessonId: lesson.id, version: updated?.version ?? lesson.version };
}
