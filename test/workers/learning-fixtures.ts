import { lessons, modules, questions, quizzes } from "@studyhall/db";
import { type Actor, call, json } from "../helpers/api.ts";
import { testDb } from "../helpers/test-db.ts";

export const db = testDb;

export interface SeededQuestion {
  id: string;
  quizId: string;
  choices: string[];
  answer: number;
  explanation: string;
  sourcePassage: string;
}

export interface SeededCourse {
  courseId: string;
  lessonIds: string[];
  quizIds: string[];
  questions: SeededQuestion[];
}

export interface SeedOptions {
  modules?: number;
  lessonsPerModule?: number;
  questionsPerQuiz?: number;
  visibility?: "org" | "invited";
  publish?: boolean;
  /** The first lesson's Markdown body. */
  firstLessonBody?: string;
}

/** Creates a course as `teacher` through the API, fills it in D1 and publishes it. */
export async function seedCourse(teacher: Actor, options: SeedOptions = {}): Promise<SeededCourse> {
  const { modules: moduleCount = 2, lessonsPerModule = 2, questionsPerQuiz = 4, visibility = "org", publish = true } = options;
  const created = await call("/v1/courses", { token: teacher.token, body: { title: `Course ${crypto.randomUUID().slice(0, 6)}` } });
  if (created.status !== 201) throw new Error(`course not created: ${created.status} ${await created.text()}`);
  const courseId = (await json(created)).id as string;
  const d = db();
  const lessonIds: string[] = [];
  const quizIds: string[] = [];
  const seeded: SeededQuestion[] = [];
  for (let m = 0; m < moduleCount; m++) {
    const moduleId = crypto.randomUUID();
    await d.insert(modules).values({ id: moduleId, courseId, position: m, title: `Module ${m + 1}`, summary: "" });
    const lessonRows = Array.from({ length: lessonsPerModule }, (_, l) => ({
      id: crypto.randomUUID(),
      courseId,
      moduleId,
      position: m * lessonsPerModule + l,
      title: `Lesson ${m + 1}.${l + 1}`,
      bodyMd:
        m === 0 && l === 0 && options.firstLessonBody !== undefined
          ? options.firstLessonBody
          : `# Lesson ${m + 1}.${l + 1}\n\nSome **text**.`,
      keyTerms: [],
      sources: [],
      version: 1,
    }));
    await d.insert(lessons).values(lessonRows);
    lessonIds.push(...lessonRows.map((l) => l.id));
    const quizId = crypto.randomUUID();
    await d.insert(quizzes).values({ id: quizId, courseId, moduleId, title: `Quiz ${m + 1}` });
    quizIds.push(quizId);
    const questionRows = Array.from({ length: questionsPerQuiz }, (_, q) => {
      const marker = crypto.randomUUID().slice(0, 8);
      return {
        id: crypto.randomUUID(),
        quizId,
        position: q,
        kind: "single-choice" as const,
        prompt: `Question ${m + 1}.${q + 1}?`,
        choices: ["alpha", "beta", "gamma", "delta"],
        answer: (q + m + 1) % 4,
        explanation: `EXPLANATION-${marker}`,
        sourcePassage: `SOURCE-PASSAGE-${marker}`,
      };
    });
    await d.insert(questions).values(questionRows);
    seeded.push(
      ...questionRows.map((q) => ({
        id: q.id,
        quizId,
        choices: q.choices,
        answer: q.answer,
        explanation: q.explanation,
        sourcePassage: q.sourcePassage,
      })),
    );
  }
  if (publish) {
    const patched = await call(`/v1/courses/${courseId}`, {
      method: "PATCH",
      token: teacher.token,
      body: { status: "PUBLISHED", visibility },
    });
    if (patched.status !== 200) throw new Error(`course not published: ${patched.status} ${await patched.text()}`);
  }
  return { courseId, lessonIds, quizIds, questions: seeded };
}

/** Waits for work done off the response path (`waitUntil`) to show in D1. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Every key anywhere in a JSON value. */
export function keysOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) keysOf(v, into);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      keysOf(v, into);
    }
  }
  return into;
}

/** An attempt as the API shows it: each question's choices in the attempt's own order. */
export interface ShownAttempt {
  questions: { id: string; choices: string[] }[];
}

/** The index at which `attempt` shows the choice with this text: attempts shuffle choices, so a student answers by what they read. */
export function shownIndex(attempt: ShownAttempt, questionId: string, text: string): number {
  const index = attempt.questions.find((q) => q.id === questionId)?.choices.indexOf(text) ?? -1;
  if (index === -1) throw new Error(`the attempt does not show "${text}" for question ${questionId}`);
  return index;
}

/** The index `attempt` shows a seeded question's right choice at, or the choice `offset` places after it in the seeded order. */
export const shownAnswer = (attempt: ShownAttempt, q: SeededQuestion, offset = 0) =>
  shownIndex(attempt, q.id, q.choices[(q.answer + offset) % q.choices.length]!);
