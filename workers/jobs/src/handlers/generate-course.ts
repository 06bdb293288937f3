/**
 * generate-course: builds a course from a parsed document in three stages,
 * each committed before the next so a retry resumes instead of starting over:
 * the outline (modules and empty lessons), then each lesson, then a quiz per
 * module. A published course is never generated again by a redelivery.
 */

import {
  type CourseOutline,
  courseOutlineSchema,
  type GeneratedLesson,
  hasPages,
  type JobPayload,
  type ParsedDocument,
  PermanentJobError,
} from "@studyhall/core";
import { courses, type Db, type Lesson, lessons, loadParsedDocument, modules, questions, quizzes } from "@studyhall/db";
import { and, asc, eq, sql } from "drizzle-orm";
import { type GeneratorForJob, generatorFor } from "../llm.ts";
import type { JobContext } from "../runner.ts";

// D1 binds at most 100 values per statement.
const chunk = <T>(rows: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(rows.length / size) }, (_, i) => rows.slice(i * size, i * size + size));

async function writeOutline(db: Db, courseId: string, outline: CourseOutline) {
  const moduleRows = outline.modules.map((m, position) => ({
    id: crypto.randomUUID(),
    courseId,
    position,
    title: m.title,
    summary: m.summary,
  }));
  const lessonRows = outline.modules.flatMap((m, mi) =>
    m.lessons.map((l, position) => ({
      courseId,
      moduleId: moduleRows[mi]!.id,
      position,
      title: l.title,
      bodyMd: "",
      sources: l.sectionIndexes.map((sectionIndex) => ({ sectionIndex })),
      version: 0,
    })),
  );
  // One batch, one transaction: the outline checkpoint is all there or not at all.
  await db.batch([
    db.delete(modules).where(eq(modules.courseId, courseId)),
    db.update(courses).set({ outline, title: outline.title, description: outline.description }).where(eq(courses.id, courseId)),
    ...chunk(moduleRows, 15).map((rows) => db.insert(modules).values(rows)),
    ...chunk(lessonRows, 10).map((rows) => db.insert(lessons).values(rows)),
  ]);
}

interface Place {
  lesson: Lesson;
  moduleIndex: number;
  lessonIndex: number;
}

async function placesOf(db: Db, courseId: string): Promise<Place[]> {
  const rows = await db
    .select({ lesson: lessons, modulePosition: modules.position })
    .from(lessons)
    .innerJoin(modules, eq(lessons.moduleId, modules.id))
    .where(eq(lessons.courseId, courseId))
    .orderBy(asc(modules.position), asc(lessons.position));
  return rows.map((r) => ({ lesson: r.lesson, moduleIndex: r.modulePosition, lessonIndex: r.lesson.position }));
}

async function writeLesson(db: Db, lessonId: string, lesson: GeneratedLesson) {
  await db
    .update(lessons)
    .set({ title: lesson.title, bodyMd: lesson.bodyMd, keyTerms: lesson.keyTerms, sources: lesson.sources, version: 1 })
    .where(eq(lessons.id, lessonId));
}

async function writeQuizzes(
  ctx: JobContext,
  gen: GeneratorForJob,
  courseId: string,
  document: ParsedDocument,
  outline: CourseOutline,
  places: Place[],
) {
  const { db } = ctx;
  const moduleRows = await db.select().from(modules).where(eq(modules.courseId, courseId)).orderBy(asc(modules.position));
  const existing = new Set(
    (await db.select({ moduleId: quizzes.moduleId }).from(quizzes).where(eq(quizzes.courseId, courseId))).map((q) => q.moduleId),
  );
  for (const [i, module] of moduleRows.entries()) {
    if (existing.has(module.id)) continue;
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
    const quizId = crypto.randomUUID();
    await db.batch([
      db.insert(quizzes).values({ id: quizId, courseId, moduleId: module.id, title: `${module.title}: check your understanding` }),
      ...chunk(
        generated.map((q, position) => ({
          quizId,
          position,
          kind: q.kind,
          prompt: q.prompt,
          choices: q.choices,
          answer: q.answer,
          explanation: q.explanation,
          sourcePassage: q.sourcePassage,
        })),
        10,
      ).map((rows) => db.insert(questions).values(rows)),
    ]);
  }
}

export async function generateCourse(ctx: JobContext, payload: JobPayload<"generate-course">): Promise<unknown> {
  const { db, env } = ctx;
  const course = await db.query.courses.findFirst({ where: eq(courses.id, payload.courseId) });
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

  let places = await placesOf(db, course.id);
  for (const [i, place] of places.entries()) {
    if (place.lesson.version > 0) continue;
    await ctx.progress(10 + Math.round((70 * i) / places.length), `writing lesson ${i + 1} of ${places.length}`);
    const { lesson } = await gen.call("lesson", { document, outline, moduleIndex: place.moduleIndex, lessonIndex: place.lessonIndex });
    await writeLesson(db, place.lesson.id, lesson);
  }
  places = await placesOf(db, course.id);

  await writeQuizzes(ctx, gen, course.id, document, outline, places);
  await ctx.progress(97, "publishing");
  await db
    .update(courses)
    .set({ status: "PUBLISHED", publishedAt: new Date() })
    .where(and(eq(courses.id, course.id), eq(courses.status, "GENERATING")));
  const [counted] = await db
    .select({ n: sql<number>`count(*)` })
    .from(questions)
    .innerJoin(quizzes, eq(questions.quizId, quizzes.id))
    .where(eq(quizzes.courseId, course.id));
  const questionCount = Number(counted?.n ?? 0);
  return {
    courseId: course.id,
    modules: outline.modules.length,
    lessons: places.length,
    provider: gen.provider.name,
    model: gen.provider.model,
    tokens: gen.tokensUsed(),
    questions: questionCount,
  };
}
