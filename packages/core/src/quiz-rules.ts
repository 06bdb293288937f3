/**
 * The rules of taking a quiz, in one place so grading on submit, progress,
 * completion and the teachers' analytics (which repeat some of them in SQL)
 * agree: what an answer is, when it is right, what passing means, when a
 * student may see the right answers and when a student counts as stuck.
 */
import { z } from "zod";

/** A quiz is passed by an attempt scoring at least this fraction of its questions. */
export const QUIZ_PASS_SCORE = 0.7;

/** Stuck, by default: enrolled, not finished, and idle this many days... */
export const STUCK_INACTIVE_DAYS = 7;
/** ...or this many failed attempts at one quiz of the course without ever passing it. */
export const STUCK_FAILED_ATTEMPTS = 3;

/**
 * A saved answer: the index of the chosen choice, or null to clear it.
 * The generator writes single-choice questions, whose answer is one index.
 */
export const savedAnswerSchema = z.number().int().min(0).max(63).nullable();

/** The body of a save: answers by question id. */
export const answersPatchSchema = z
  .record(z.string().min(1).max(64), savedAnswerSchema)
  .refine((answers) => Object.keys(answers).length <= 200, { message: "At most 200 answers at a time." });
export type AnswersPatch = z.infer<typeof answersPatchSchema>;

/** An attempt's saved answers by question id: the patches merged, so a cleared answer is gone or null. */
export const savedAnswersSchema = z.record(z.string(), savedAnswerSchema);
export type SavedAnswers = z.infer<typeof savedAnswersSchema>;

/**
 * A question's right answer: the index of its right choice (what the generator writes), the indexes of
 * several, or an expected text; grading and the shown-order translation accept each of them.
 */
export const correctAnswerSchema = z.union([z.number().int().min(0), z.array(z.number().int().min(0)), z.string()]);
export type CorrectAnswer = z.infer<typeof correctAnswerSchema>;

/** Whether a given answer is the correct one; a question left unanswered is wrong. */
export function isCorrect(correct: unknown, given: unknown): boolean {
  return given !== null && given !== undefined && JSON.stringify(given) === JSON.stringify(correct);
}

export interface GradedQuestion {
  questionId: string;
  given: unknown;
  correct: boolean;
}

export interface Grade {
  questionCount: number;
  correctCount: number;
  /** Fraction of the questions answered correctly, 0 to 1. */
  score: number;
  passed: boolean;
  questions: GradedQuestion[];
}

/**
 * Grades saved answers against the answer key.
 * @example gradeAnswers([{ id: "q1", answer: 2 }], { q1: 2 }).score === 1
 */
export function gradeAnswers(questions: readonly { id: string; answer: unknown }[], answers: Record<string, unknown>): Grade {
  const graded = questions.map((q) => ({ questionId: q.id, given: answers[q.id] ?? null, correct: isCorrect(q.answer, answers[q.id]) }));
  const correctCount = graded.filter((g) => g.correct).length;
  const score = questions.length ? correctCount / questions.length : 0;
  return { questionCount: questions.length, correctCount, score, passed: hasPassed(score), questions: graded };
}

/**
 * When a student sees the right answers, explanations and source passages of their submitted attempts
 * (the course's owner and admins always do): once no attempt is left, after every attempt, or never.
 */
export const revealPolicySchema = z.enum(["after-last-attempt", "after-each-attempt", "never"]);
export type RevealPolicy = z.infer<typeof revealPolicySchema>;

/**
 * Whether a student's submitted attempts at a quiz show the right answers. Under "after-last-attempt"
 * every attempt the limit allows must have been started and none may still change (each submitted or
 * past its deadline), so the answers of one attempt never help with the next; a quiz with unlimited
 * attempts has no last one, so under that policy it never shows them.
 * @example answersRevealed("after-last-attempt", 2, [{ closed: true }, { closed: true }]) === true
 */
export function answersRevealed(policy: RevealPolicy, maxAttempts: number | null, attempts: readonly { closed: boolean }[]): boolean {
  if (policy === "after-each-attempt") return true;
  if (policy === "never" || maxAttempts === null) return false;
  return attempts.length >= maxAttempts && attempts.every((a) => a.closed);
}

export const hasPassed = (score: number | null | undefined): boolean => score !== null && score !== undefined && score >= QUIZ_PASS_SCORE;
