/**
 * What a course holds, as its readers and its owner see it: the outline
 * (modules in order, each with its lessons and quiz) and the answer key
 * (every quiz question with its answer), which only the course's owner or an
 * admin may read.
 */
import { asc, eq, inArray } from "drizzle-orm";
import { editableCourse, type Viewer, visibleCourse } from "./course-access.ts";
import type { Db } from "./index.ts";
import type { Course } from "./tables.ts";
import { lessons, modules, type Question, type Quiz, questions, quizzes } from "./tables.ts";

/** One module of a course's outline; a lesson is `ready` once its first version is written. */
export interface OutlineModule {
  id: string;
  position: number;
  title: string;
  summary: string;
  lessons: { id: string; position: number; title: string; ready: boolean }[];
  quiz: { id: string; title: string; questionCount: number } | null;
}

/**
 * Modules in order, each with its lessons and quiz. The caller has checked that the course is visible.
 * @example const modules = await courseOutline(db, course.id);
 */
export async function courseOutline(db: Db, courseId: string): Promise<OutlineModule[]> {
  const [moduleRows, lessonRows, quizRows] = await Promise.all([
    db.select().from(modules).where(eq(modules.courseId, courseId)).orderBy(asc(modules.position)),
    db
      .select({ id: lessons.id, moduleId: lessons.moduleId, position: lessons.position, title: lessons.title, version: lessons.version })
      .from(lessons)
      .where(eq(lessons.courseId, courseId))
      .orderBy(asc(lessons.position)),
    db.select().from(quizzes).where(eq(quizzes.courseId, courseId)),
  ]);
  const counts = new Map<string, number>();
  if (quizRows.length) {
    const rows = await db
      .select({ quizId: questions.quizId })
      .from(questions)
      .where(
        inArray(
          questions.quizId,
          quizRows.map((q) => q.id),
        ),
      );
    for (const r of rows) counts.set(r.quizId, (counts.get(r.quizId) ?? 0) + 1);
  }
  return moduleRows.map((m) => {
    const quiz = quizRows.find((q) => q.moduleId === m.id);
    return {
      id: m.id,
      position: m.position,
      title: m.title,
      summary: m.summary,
      lessons: lessonRows
        .filter((l) => l.moduleId === m.id)
        .map((l) => ({ id: l.id, position: l.position, title: l.title, ready: l.version > 0 })),
      quiz: quiz ? { id: quiz.id, title: quiz.title, questionCount: counts.get(quiz.id) ?? 0 } : null,
    };
  });
}

/**
 * A course the viewer may see, with its outline; 404 otherwise.
 * @example const { course, modules } = await courseWithOutline(db, me, params.id);
 */
export async function courseWithOutline(db: Db, viewer: Viewer, id: string): Promise<{ course: Course; modules: OutlineModule[] }> {
  const course = await visibleCourse(db, viewer, id);
  return { course, modules: await courseOutline(db, course.id) };
}

/** One quiz of a course's answer key, its questions in order. */
export interface AnswerKeyQuiz {
  quizId: string;
  title: string;
  moduleId: string | null;
  questions: { id: string; prompt: string; choices: string[]; answer: unknown; explanation: string; sourcePassage: string | null }[];
}

/** The questions of these quizzes, each quiz's in order (all in one query). */
export async function questionsOf(db: Db, quizRows: readonly Pick<Quiz, "id">[]): Promise<Question[]> {
  if (quizRows.length === 0) return [];
  return db
    .select()
    .from(questions)
    .where(
      inArray(
        questions.quizId,
        quizRows.map((q) => q.id),
      ),
    )
    .orderBy(asc(questions.position));
}

/**
 * Every quiz question of a course with its answer, explanation and source passage, for its owner or an admin
 * (404 when the course is not visible, 403 when the viewer may not change it).
 * @example const quizzes = await answerKey(db, me, params.id);
 */
export async function answerKey(db: Db, viewer: Viewer, courseId: string): Promise<AnswerKeyQuiz[]> {
  const course = await editableCourse(db, viewer, courseId);
  const quizRows = await db.select().from(quizzes).where(eq(quizzes.courseId, course.id));
  const questionRows = await questionsOf(db, quizRows);
  return quizRows.map((q) => ({
    quizId: q.id,
    title: q.title,
    moduleId: q.moduleId,
    questions: questionRows
      .filter((x) => x.quizId === q.id)
      .map((x) => ({
        id: x.id,
        prompt: x.prompt,
        choices: x.choices ?? [],
        answer: x.answer,
        explanation: x.explanation,
        sourcePassage: x.sourcePassage,
      })),
  }));
}
