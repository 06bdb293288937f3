/**
 * Quizzes and attempts as one viewer meets them: a quiz's settings and their
 * own attempts, changing the settings (the course's owner or an admin),
 * starting an attempt (enrolled students, or the owner or an admin
 * previewing, who are not held to the limits), and reading, answering and
 * submitting an attempt. The statements themselves are in quiz-attempt-store.ts.
 */

import { answersAsSaved, forbidden, notFound, ProblemError, showQuiz } from "@studyhall/core";
import { and, count, eq } from "drizzle-orm";
import { assertCanEdit, canEditCourse, type Viewer } from "./course-access.ts";
import type { Db } from "./index.ts";
import { recordQuizActivity } from "./learning-progress.ts";
import {
  answersShownTo,
  attemptsOf,
  quizQuestions,
  saveAnswers,
  startAttempt,
  submitAttempt,
  visibleAttempt,
  visibleQuiz,
} from "./quiz-attempt-store.ts";
import type { Course, QuizAttempt } from "./tables.ts";
import { enrolments, type Question, type Quiz, questions, quizzes } from "./tables.ts";

async function isEnrolled(db: Db, courseId: string, userId: string): Promise<boolean> {
  return (
    (await db.query.enrolments.findFirst({ where: and(eq(enrolments.courseId, courseId), eq(enrolments.userId, userId)) })) !== undefined
  );
}

async function questionCount(db: Db, quizId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(questions).where(eq(questions.quizId, quizId));
  return row?.n ?? 0;
}

/** A visible quiz with its number of questions and the viewer's own attempts at it, oldest first. */
export async function quizForViewer(
  db: Db,
  viewer: Viewer,
  quizId: string,
): Promise<{ quiz: Quiz; questionCount: number; attempts: QuizAttempt[] }> {
  const { quiz } = await visibleQuiz(db, viewer, quizId);
  const attempts = await attemptsOf(db, quiz.id, viewer.id);
  return { quiz, questionCount: await questionCount(db, quiz.id), attempts };
}

/** The settings a quiz's owner may change; null removes a limit. */
export type QuizSettings = Partial<Pick<Quiz, "maxAttempts" | "timeLimitSeconds" | "revealAnswers">>;

/**
 * Changes a visible quiz's settings (the course's owner or an admin).
 * @throws ProblemError not-found, forbidden.
 */
export async function changeQuizSettings(
  db: Db,
  viewer: Viewer,
  quizId: string,
  patch: QuizSettings,
): Promise<{ quiz: Quiz; questionCount: number }> {
  const { quiz, course } = await visibleQuiz(db, viewer, quizId);
  assertCanEdit(viewer, course);
  const [updated] = await db.update(quizzes).set(patch).where(eq(quizzes.id, quiz.id)).returning();
  return { quiz: updated!, questionCount: await questionCount(db, quiz.id) };
}

/**
 * Gives the viewer's open attempt back or starts one (see `startAttempt`): enrolled students within the
 * quiz's limits, the course's owner and admins previewing without them.
 * @throws ProblemError not-found, forbidden (not enrolled, not a student), conflict (no questions, attempts used up).
 */
export async function startQuizAttempt(
  db: Db,
  viewer: Viewer,
  quizId: string,
): Promise<{ attempt: QuizAttempt; resumed: boolean; course: Course; questions: Question[] }> {
  const { quiz, course } = await visibleQuiz(db, viewer, quizId);
  const previewing = canEditCourse(viewer, course);
  if (!previewing && (viewer.role !== "student" || !(await isEnrolled(db, course.id, viewer.id)))) {
    throw forbidden(
      viewer.role === "student"
        ? "Enrol in the course to take its quizzes."
        : "Only enrolled students, the course's owner and admins take its quizzes.",
    );
  }
  const questionRows = await quizQuestions(db, quiz.id);
  if (!questionRows.length)
    throw new ProblemError("conflict", { detail: "This quiz has no questions yet.", extensions: { reason: "quiz-empty" } });
  const { attempt, resumed } = await startAttempt(db, {
    quiz,
    userId: viewer.id,
    orgId: viewer.orgId,
    limited: !previewing,
    questions: questionRows,
  });
  return { attempt, resumed, course, questions: questionRows };
}

/** An attempt as its viewer may see it: its questions, and whether its right answers are shown. */
export interface ShownAttempt {
  attempt: QuizAttempt;
  course: Course;
  questions: Question[];
  showAnswers: boolean;
}

/**
 * An attempt for its student, or the course's owner or an admin; 404 to anyone else. The right answers
 * show once it is submitted, as the quiz's policy says (see `answersShownTo`).
 */
export async function attemptForViewer(db: Db, viewer: Viewer, attemptId: string): Promise<ShownAttempt> {
  const { attempt, quiz, course } = await visibleAttempt(db, viewer, attemptId);
  if (attempt.userId !== viewer.id && !canEditCourse(viewer, course)) throw notFound("attempt");
  const showAnswers = attempt.submittedAt !== null && (await answersShownTo(db, viewer, { quiz, course }, attempt.userId));
  return { attempt, course, questions: await quizQuestions(db, attempt.quizId), showAnswers };
}

/** The attempt, for its own student only: the course's teacher gets 403 (it is visible to them), anyone else 404. */
async function ownAttempt(db: Db, viewer: Viewer, attemptId: string) {
  const found = await visibleAttempt(db, viewer, attemptId);
  if (found.attempt.userId === viewer.id) return found;
  if (canEditCourse(viewer, found.course)) throw forbidden("Only the student who started an attempt can answer or submit it.");
  throw notFound("attempt");
}

/** Answers given by index as the attempt shows its choices: `{ [questionId]: choiceIndex }`, null to clear one. */
export type ShownAnswers = Record<string, number | null>;

/** Saved, or refused with one issue per answer that names no question of the quiz or no choice of its question. */
export type SavedAnswers = { saved: true; attempt: ShownAttempt } | { saved: false; issues: { path: [string, string]; message: string }[] };

/**
 * Saves the student's answers into their open attempt, translated from the attempt's shown order into the
 * quiz's own (so grading and analytics never need the layout).
 * @throws ProblemError not-found, forbidden (not their attempt), conflict (submitted, or past its deadline).
 */
export async function saveOwnAnswers(db: Db, viewer: Viewer, attemptId: string, answers: ShownAnswers): Promise<SavedAnswers> {
  const { attempt, course } = await ownAttempt(db, viewer, attemptId);
  const questionRows = await quizQuestions(db, attempt.quizId);
  const shown = showQuiz(attempt.layout, questionRows);
  const byId = new Map(shown.map((s) => [s.question.id, s]));
  const issues = Object.entries(answers).flatMap(([questionId, choice]) => {
    const question = byId.get(questionId);
    if (!question) return [{ path: ["answers", questionId] as [string, string], message: "Not a question of this quiz." }];
    const count = question.choiceOrder.length;
    if (choice !== null && choice >= count)
      return [{ path: ["answers", questionId] as [string, string], message: `Choose an index from 0 to ${count - 1}.` }];
    return [];
  });
  if (issues.length) return { saved: false, issues };
  const saved = await saveAnswers(db, attempt, answersAsSaved(shown, answers));
  return { saved: true, attempt: { attempt: saved, course, questions: questionRows, showAnswers: false } };
}

/**
 * Submits and grades the student's attempt (see `submitAttempt`), records the activity and any completion,
 * and says whether the right answers show now (read after the submit, so the last attempt shows them at once).
 * @throws ProblemError not-found, forbidden (not their attempt).
 */
export async function submitOwnAttempt(db: Db, viewer: Viewer, attemptId: string): Promise<ShownAttempt> {
  const { attempt, quiz, course } = await ownAttempt(db, viewer, attemptId);
  const graded = await submitAttempt(db, attempt);
  // Activity and completion (a no-op for an owner's preview: they are not enrolled).
  await recordQuizActivity(db, viewer.id, course.id);
  const showAnswers = await answersShownTo(db, viewer, { quiz, course }, attempt.userId);
  return { attempt: graded.attempt, course, questions: graded.questions, showAnswers };
}
