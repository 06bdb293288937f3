/**
 * generate-course: builds a course from a parsed document in three stages,
 * each committed before the next so a retry resumes instead of starting over:
 * the outline (modules and empty lessons), then each lesson, then a quiz per
 * module. A published course is never generated again by a redelivery.
 */

import {
  type CourseOutline,
  courseOutlineSchema,
  hasPages,
  type JobPayload,
  type ParsedDocument,
  PermanentJobError,
} from "@studyhall/core";
import {
  findCourse,
  type LessonPlace,
  lessonPlaces,
  loadParsedDocument,
  modulesToQuiz,
  publishGeneratedCourse,
  writeLesson,
  writeOutline,
  writeQuiz,
} from "@studyhall/db";
import { type GeneratorForJob, generatorFor } from "../llm.ts";
import type { JobContext } from "../runner.ts";

async function writeQuizzes(
  ctx: JobContext,
  gen: GeneratorForJob,
  courseId: string,
  document: ParsedDocument,
  outline: CourseOutline,
  places: LessonPlace[],
) {
  const { db } = ctx;
  const { modules: moduleRows, quizzed } = await modulesToQuiz(db, courseId);
  for (const [i, module] of moduleRows.entries()) {
    if (quizzed.has(module.id)) continue;
    await ctx.progress(80 + Math.round((15 * i) / moduleRows.length), `writing quiz ${i + 1} of ${moduleRows.length}`);
    const taught = places
      .filter((p) => p.moduleIndex === module.position)
      .map((p) => ({
        title: p.lesson.title,
        bodyMd: p.lesson.bodyMd,
        keyTerms: p.lesson.keyTerms ?? [],
        sources: (p.lesson.sources ?? []).filter(hasPages),
      }));
    const { questions: generated } = await gen.call("quiz", { document, outline, moduleIndex: module.position, lessons: taught });
    await writeQuiz(db, courseId, module, generated);
  }
}

export async function generateCourse(ctx: JobContext, payload: JobPayload<"generate-course">): Promise<unknown> {
  const { db, env } = ctx;
  const course = await findCourse(db, payload.courseId);
  if (!course) throw new PermanentJobError("not-found", "The course is gone", "The course was deleted before it was generated.");
  if (course.status === "PUBLISHED") return { courseId: course.id, alreadyPublished: true };

  const document = await loadParsedDocument(env.FILES, course.orgId, payload.documentId);
  if (!document)
    throw new PermanentJobError(
      "document-not-parsed",
      "The document is not parsed",
      "Parse the document before generating a course from it.",
    );
  const gen = generatorFor(env, db, ctx.job);

  let outline = course.outline ? courseOutlineSchema.parse(course.outline) : undefined;
  if (!outline) {
    await ctx.progress(5, "outlining the course");
    const result = await gen.call("outline", {
      document,
      title: payload.title ?? undefined,
      audience: payload.audience ?? undefined,
      moduleCount: payload.moduleCount ?? undefined,
    });
    outline = result.outline;
    await writeOutline(db, course.id, outline);
  }

  let places = await lessonPlaces(db, course.id);
  for (const [i, place] of places.entries()) {
    if (place.lesson.version > 0) continue;
    await ctx.progress(10 + Math.round((70 * i) / places.length), `writing lesson ${i + 1} of ${places.length}`);
    const { lesson } = await gen.call("lesson", { document, outline, moduleIndex: place.moduleIndex, lessonIndex: place.lessonIndex });
    await writeLesson(db, place.lesson.id, lesson);
  }
  places = await lessonPlaces(db, course.id);

  await writeQuizzes(ctx, gen, course.id, document, outline, places);
  await ctx.progress(97, "publishing");
  const published = await publishGeneratedCourse(db, course.id);
  return {
    courseId: course.id,
    modules: outline.modules.length,
    lessons: places.length,
    provider: gen.provider.name,
    model: gen.provider.model,
    tokens: gen.tokensUsed(),
    questions: published.questions,
  };
}
