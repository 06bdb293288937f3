/**
 * How quizzes and attempts are shown. Before an attempt is submitted a
 * question is its prompt and choices only: the answer, the explanation and the
 * source passage (which holds the answer) are added to the view only once the
 * attempt is submitted, in `results`.
 */
import { z } from "@hono/zod-openapi";
import { gradeAnswers, QUIZ_PASS_SCORE } from "@studyhall/core";
import type { Question, Quiz, QuizAttempt } from "@studyhall/db";
import { iso } from "./views";

export const quizSchema = z
  .object({
    id: z.string(),
    courseId: z.string(),
    moduleId: z.string().nullable(),
    title: z.string(),
    questionCount: z.number().int(),
    maxAttempts: z.number().int().nullable(),
    timeLimitSeconds: z.number().int().nullable(),
    passScore: z.number(),
  })
  .openapi("Quiz");

export const quizView = (quiz: Quiz, questionCount: number) => ({
  id: quiz.id,
  courseId: quiz.courseId,
  moduleId: quiz.moduleId,
  title: quiz.title,
  questionCount,
  maxAttempts: quiz.maxAttempts,
  timeLimitSeconds: quiz.timeLimitSeconds,
  passScore: QUIZ_PASS_SCORE,
});

/** A question as a student taking the quiz sees it. */
const askedQuestionSchema = z.object({ id: z.string(), position: z.number().int(), kind: z.string(), prompt: z.string(), choices: z.array(z.string()) });

const resultSchema = z.object({
  questionId: z.string(),
  given: z.unknown(),
  correct: z.boolean(),
  answer: z.unknown(),
  explanation: z.string(),
  sourcePassage: z.string().nullable(),
});

export const attemptSchema = z
  .object({
    id: z.string(),
    quizId: z.string(),
    courseId: z.string(),
    userId: z.string(),
    status: z.enum(["open", "expired", "submitted"]),
    startedAt: z.string(),
    deadlineAt: z.string().nullable(),
    submittedAt: z.string().nullable(),
    /** The student's own saved answers: `{ [questionId]: choiceIndex }`. */
    answers: z.record(z.string(), z.unknown()),
    questions: z.array(askedQuestionSchema),
    score: z.number().nullable(),
    correctCount: z.number().int().nullable(),
    questionCount: z.number().int(),
    passed: z.boolean().nullable(),
    /** Only once submitted: each question graded, with the answer, explanation and source passage. */
    results: z.array(resultSchema).optional(),
  })
  .openapi("QuizAttempt");
export type AttemptView = z.infer<typeof attemptSchema>;

export function attemptStatus(attempt: QuizAttempt, now = Date.now()): "open" | "expired" | "submitted" {
  if (attempt.submittedAt) return "submitted";
  return attempt.deadlineAt && attempt.deadlineAt.getTime() <= now ? "expired" : "open";
}

/** The attempt as its student (or the course's teacher) sees it; answers only after submission. */
export function attemptView(attempt: QuizAttempt, courseId: string, questions: Question[], now = Date.now()): AttemptView {
  const saved = (attempt.answers as Record<string, unknown> | null) ?? {};
  const status = attemptStatus(attempt, now);
  const view: AttemptView = {
    id: attempt.id,
    quizId: attempt.quizId,
    courseId,
    userId: attempt.userId,
    status,
    startedAt: iso(attempt.startedAt)!,
    deadlineAt: iso(attempt.deadlineAt),
    submittedAt: iso(attempt.submittedAt),
    answers: saved,
    questions: questions.map((q) => ({ id: q.id, position: q.position, kind: q.kind, prompt: q.prompt, choices: (q.choices as string[] | null) ?? [] })),
    score: status === "submitted" ? attempt.score : null,
    correctCount: status === "submitted" ? attempt.correctCount : null,
    questionCount: questions.length,
    passed: null,
  };
  if (status !== "submitted") return view;
  const grade = gradeAnswers(questions, saved);
  const byId = new Map(questions.map((q) => [q.id, q]));
  return {
    ...view,
    score: attempt.score ?? grade.score,
    correctCount: attempt.correctCount ?? grade.correctCount,
    passed: grade.passed,
    results: grade.questions.map((g) => {
      const q = byId.get(g.questionId)!;
      return { questionId: q.id, given: g.given, correct: g.correct, answer: q.answer, explanation: q.explanation, sourcePassage: q.sourcePassage };
    }),
  };
}
