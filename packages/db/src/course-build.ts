/**
 * What course generation writes, checkpoint by checkpoint, so a retry resumes
 * where the last attempt stopped: the outline (modules and empty lessons) in
 * one step, each lesson as it is written, a quiz per module with its
 * questions in one step, and at last the course published.
 */
import type { CourseOutline, GeneratedLesson, GeneratedQuestion } from "@studyhall/core";
import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "./index.ts";
import { type Course, courses, type Lesson, lessons, type Module, modules, questions, quizzes } from "./tables.ts";
import { together } from "./write-together.ts";

// D1 binds at most 100 values per statement.
const chunk = <T>(rows: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(rows.length / size) }, (_, i) => rows.slice(i * size, i * size + size));

export function findCourse(db: Db, id: string): Promise<Course | undefined> {
  return db.query.courses.findFirst({ where: eq(courses.id, id) });
}

/** The outline checkpoint: the course's modules and empty lessons, replacing any earlier ones. */
export async function writeOutline(db: Db, courseId: string, outline: CourseOutline): Promise<void> {
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
  await together(db, (tx) => [
    tx.delete(modules).where(eq(modules.courseId, courseId)),
    tx.update(courses).set({ outline, title: outline.title, description: outline.description }).where(eq(courses.id, courseId)),
    ...chunk(moduleRows, 15).map((rows) => tx.insert(modules).values(rows)),
    ...chunk(lessonRows, 10).map((rows) => tx.insert(lessons).values(rows)),
  ]);
}

/** A lesson and where it sits in the outline. */
export interface LessonPlace {
  lesson: Lesson;
  moduleIndex: number;
  lessonIndex: number;
}

/** The course's lessons in outline order. */
export async function lessonPlaces(db: Db, courseId: string): Promise<LessonPlace[]> {
  const rows = await db
    .select({ lesson: lessons, modulePosition: modules.position })
    .from(lessons)
    .innerJoin(modules, eq(lessons.moduleId, modules.id))
    .where(eq(lessons.courseId, courseId))
    .orderBy(asc(modules.position), asc(lessons.position));
  return rows.map((r) => ({ lesson: r.lesson, moduleIndex: r.modulePosition, lessonIndex: r.lesson.position }));
}

/** One lesson's checkpoint: written (version 1), so a retry skips it. */
export async function writeLesson(db: Db, lessonId: string, lesson: GeneratedLesson): Promise<void> {
  await db
    .update(lessons)
    .set({ title: lesson.title, bodyMd: lesson.bodyMd, keyTerms: lesson.keyTerms, sources: lesson.sources, version: 1 })
    .where(eq(lessons.id, lessonId));
}

/** The course's modules in order, and the ids of those that have their quiz already. */
export async function modulesToQuiz(db: Db, courseId: string): Promise<{ modules: Module[]; quizzed: Set<string | null> }> {
  const rows = await db.select().from(modules).where(eq(modules.courseId, courseId)).orderBy(asc(modules.position));
  const quizzed = new Set(
    (await db.select({ moduleId: quizzes.moduleId }).from(quizzes).where(eq(quizzes.courseId, courseId))).map((q) => q.moduleId),
  );
  return { modules: rows, quizzed };
}

/** A module's quiz checkpoint: the quiz and its questions in one step. */
export async function writeQuiz(db: Db, courseId: string, module: Module, generated: GeneratedQuestion[]): Promise<void> {
  const quizId = crypto.randomUUID();
  await together(db, (tx) => [
    tx.insert(quizzes).values({ id: quizId, courseId, moduleId: module.id, title: `${module.title}: check your understanding` }),
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
    ).map((rows) => tx.insert(questions).values(rows)),
  ]);
}

/** Publishes the course if it is still generating, and counts its questions. */
export async function publishGeneratedCourse(db: Db, courseId: string): Promise<{ questions: number }> {
  await db
    .update(courses)
    .set({ status: "PUBLISHED", publishedAt: new Date() })
    .where(and(eq(courses.id, courseId), eq(courses.status, "GENERATING")));
  const [counted] = await db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(questions)
    .innerJoin(quizzes, eq(questions.quizId, quizzes.id))
    .where(eq(quizzes.courseId, courseId));
  return { questions: Number(counted?.n ?? 0) };
}

/** A course's lesson, with the course and its module; any of them missing when it is gone. */
export async function lessonInCourse(
  db: Db,
  courseId: string,
  lessonId: string,
): Promise<{ course?: Course; lesson?: Lesson; module?: Module }> {
  const [course, lesson] = await Promise.all([
    findCourse(db, courseId),
    db.query.lessons.findFirst({ where: and(eq(lessons.id, lessonId), eq(lessons.courseId, courseId)) }),
  ]);
  const module = lesson ? await db.query.modules.findFirst({ where: eq(modules.id, lesson.moduleId) }) : undefined;
  return { course, lesson, module };
}

/**
 * Writes a lesson again as the version after `baseVersion`, only if it is still at that version: a
 * redelivery after the new version was written changes nothing. Returns the version the lesson is at.
 */
export async function writeLessonVersion(db: Db, lesson: Lesson, baseVersion: number, generated: GeneratedLesson): Promise<number> {
  const [updated] = await db
    .update(lessons)
    .set({
      title: generated.title,
      bodyMd: generated.bodyMd,
      keyTerms: generated.keyTerms,
      sources: generated.sources,
      version: baseVersion + 1,
    })
    .where(and(eq(lessons.id, lesson.id), eq(lessons.version, baseVersion)))
    .returning();
  return updated?.version ?? lesson.version;
}
