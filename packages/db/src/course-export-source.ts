/**
 * Reads a course from D1 for an export: the outline (titles only) at once,
 * then each module's lessons and quizzes when the builder reaches it, so the
 * worker never holds a long course's text all at once.
 */

import type { CourseSource, ExportModule, ExportOutline, ExportQuiz } from "@studyhall/core";
import { asc, eq } from "drizzle-orm";
import { questionsOf } from "./course-outline.ts";
import type { Db } from "./index.ts";
import { courses, lessons, modules, type Quiz, quizzes } from "./tables.ts";

/** Course-wide quizzes (not tied to a module) are printed after the modules, under this title. */
export const COURSE_QUIZZES_TITLE = "Course quizzes";

async function quizContent(db: Db, quizRows: readonly Quiz[]): Promise<ExportQuiz[]> {
  const rows = await questionsOf(db, quizRows);
  return quizRows.map((quiz) => ({
    title: quiz.title,
    questions: rows
      .filter((q) => q.quizId === quiz.id)
      .map((q) => ({
        kind: q.kind,
        prompt: q.prompt,
        choices: Array.isArray(q.choices) ? q.choices.map(String) : [],
        answer: q.answer,
        explanation: q.explanation,
        sourcePassage: q.sourcePassage,
      })),
  }));
}

/**
 * The export source of a course of the organisation, or undefined when there is none.
 * @example
 * const source = await courseSource(db, orgId, courseId);
 * for await (const module of source.modules()) console.log(module.title);
 */
export async function courseSource(db: Db, orgId: string, courseId: string): Promise<CourseSource | undefined> {
  const course = await db.query.courses.findFirst({ where: eq(courses.id, courseId) });
  if (!course || course.orgId !== orgId) return undefined;
  const [moduleRows, lessonTitles, quizRows] = await Promise.all([
    db.select().from(modules).where(eq(modules.courseId, courseId)).orderBy(asc(modules.position)),
    db
      .select({ moduleId: lessons.moduleId, title: lessons.title })
      .from(lessons)
      .where(eq(lessons.courseId, courseId))
      .orderBy(asc(lessons.position)),
    db.select().from(quizzes).where(eq(quizzes.courseId, courseId)).orderBy(asc(quizzes.createdAt)),
  ]);
  const courseQuizzes = quizRows.filter((q) => q.moduleId === null || !moduleRows.some((m) => m.id === q.moduleId));
  const outline: ExportOutline = {
    id: course.id,
    title: course.title,
    description: course.description,
    audience: course.audience,
    modules: moduleRows.map((m) => ({
      title: m.title,
      lessons: lessonTitles.filter((l) => l.moduleId === m.id).map((l) => l.title),
      quizzes: quizRows.filter((q) => q.moduleId === m.id).map((q) => q.title),
    })),
  };
  if (courseQuizzes.length) outline.modules.push({ title: COURSE_QUIZZES_TITLE, lessons: [], quizzes: courseQuizzes.map((q) => q.title) });

  return {
    outline,
    async *modules(): AsyncGenerator<ExportModule> {
      for (const module of moduleRows) {
        const lessonRows = await db
          .select({ title: lessons.title, bodyMd: lessons.bodyMd, keyTerms: lessons.keyTerms })
          .from(lessons)
          .where(eq(lessons.moduleId, module.id))
          .orderBy(asc(lessons.position));
        yield {
          title: module.title,
          summary: module.summary,
          lessons: lessonRows.map((l) => ({
            title: l.title,
            bodyMd: l.bodyMd,
            keyTerms: Array.isArray(l.keyTerms) ? l.keyTerms : [],
          })),
          quizzes: await quizContent(
            db,
            quizRows.filter((q) => q.moduleId === module.id),
          ),
        };
      }
      if (courseQuizzes.length)
        yield { title: COURSE_QUIZZES_TITLE, summary: "", lessons: [], quizzes: await quizContent(db, courseQuizzes) };
    },
  };
}
