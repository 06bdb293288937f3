/**
 * How quizzes and attempts are shown. An attempt shows its questions and
 * choices in its own shuffled order (core's quiz-layout), with indexes as
 * shown. Before it is submitted a question is its prompt and choices only;
 * once submitted, `results` says per question right or wrong, and adds the
 * right answer, the explanation and the source passage (which holds the
 * answer) only when the quiz's answer policy lets the viewer see them.
 */
import { z } from "@hono/zod-openapi";
import { answersAsShown, gradeAnswers, QUIZ_PASS_SCORE, revealPolicySchema, shownChoices, showQuiz, toShownIndex } from "@studyhall/core";
import type { Question, Quiz, QuizAttempt } from "@studyhall/db";
import { iso } from "../views.ts";

export const quizSchema = z
  .object({
    id: z.string(),
    courseId: z.string(),
    moduleId: z.string().nullable(),
    title: z.string(),
    questionCount: z.number().int(),
    maxAttempts: z.number().int().nullable(),
    timeLimitSeconds: z.number().int().nullable(),
    /** When students see the right answers of their submitted attempts. */
    revealAnswers: revealPolicySchema,
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
  revealAnswers: quiz.revealAnswers,
  passScore: QUIZ_PASS_SCORE,
});

/** A question as a student taking the quiz sees it: `position` and the choices' order are this attempt's. */
const askedQuestionSchema = z.object({
  id: z.string(),
  position: z.number().int(),
  kind: z.string(),
  prompt: z.string(),
  choices: z.array(z.string()),
});

const resultSchema = z.object({
  questionId: z.string(),
  /** The answer given, by index as shown. */
  given: z.unknown(),
  correct: z.boolean(),
  /** Only when the answers are shown (`answersShown`): the right answer by index as shown, why, and the passage. */
  answer: z.unknown().optional(),
  explanation: z.string().optional(),
  sourcePassage: z.string().nullable().optional(),
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
    /** The student's own saved answers: `{ [questionId]: choiceIndex }`, by index as shown. */
    answers: z.record(z.string(), z.unknown()),
    questions: z.array(askedQuestionSchema),
    score: z.number().nullable(),
    correctCount: z.number().int().nullable(),
    questionCount: z.number().int(),
    passed: z.boolean().nullable(),
    /** Only once submitted: each question graded, right or wrong. */
    results: z.array(resultSchema).optional(),
    /** Whether `results` carry the right answers, explanations and source passages. */
    answersShown: z.boolean(),
  })
  .openapi("QuizAttempt");
export type AttemptView = z.infer<typeof attemptSchema>;

export function attemptStatus(attempt: QuizAttempt, now = Date.now()): "open" | "expired" | "submitted" {
  if (attempt.submittedAt) return "submitted";
  return attempt.deadlineAt && attempt.deadlineAt.getTime() <= now ? "expired" : "open";
}

/**
 * The attempt as its student (or the course's teacher) sees it, in its own order. Right or wrong only
 * once submitted; the right answers, explanations and sources only then and when `showAnswers`
 * (from `answersShownTo`) allows.
 */
export function attemptView(
  attempt: QuizAttempt,
  courseId: string,
  questions: Question[],
  showAnswers: boolean,
  now = Date.now(),
): AttemptView {
  const saved = attempt.answers ?? {};
  const status = attemptStatus(attempt, now);
  const shown = showQuiz(attempt.layout, questions);
  const view: AttemptView = {
    id: attempt.id,
    quizId: attempt.quizId,
    courseId,
    userId: attempt.userId,
    status,
    startedAt: iso(attempt.startedAt)!,
    deadlineAt: iso(attempt.deadlineAt),
    submittedAt: iso(attempt.submittedAt),
    answers: answersAsShown(shown, saved),
    questions: shown.map((s, position) => ({
      id: s.question.id,
      position,
      kind: s.question.kind,
      prompt: s.question.prompt,
      choices: shownChoices(s),
    })),
    score: status === "submitted" ? attempt.score : null,
    correctCount: status === "submitted" ? attempt.correctCount : null,
    questionCount: questions.length,
    passed: null,
    answersShown: false,
  };
  if (status !== "submitted") return view;
  // Graded in the quiz's own index space, where answers are saved; only the view is translated.
  const grade = gradeAnswers(
    shown.map((s) => s.question),
    saved,
  );
  return {
    ...view,
    score: attempt.score ?? grade.score,
    correctCount: attempt.correctCount ?? grade.correctCount,
    passed: grade.passed,
    answersShown: showAnswers,
    results: grade.questions.map((g, i) => {
      const s = shown[i]!;
      const result = { questionId: g.questionId, given: toShownIndex(s, g.given), correct: g.correct };
      if (!showAnswers) return result;
      return {
        ...result,
        answer: toShownIndex(s, s.question.answer),
        explanation: s.question.explanation,
        sourcePassage: s.question.sourcePassage,
      };
    }),
  };
}
