/**
 * How teachers' figures are shown, for a course (`courses/analytics.ts`) and
 * for a quiz (`quizzes/analytics.ts`): rates rounded to four places (null when
 * there is nothing to divide by), and why each stuck student is stuck.
 *
 * Stuck means enrolled, not finished, and either no activity (a lesson read
 * or an attempt submitted) for `inactiveDays` days, counted from enrolment for
 * someone who never started, or `failedAttempts` failed attempts at one quiz
 * they have not passed since. For a quiz, only the second applies.
 */
import { z } from "@hono/zod-openapi";
import { QUIZ_PASS_SCORE, STUCK_FAILED_ATTEMPTS, STUCK_INACTIVE_DAYS } from "@studyhall/core";
import type { QuestionFigures, StuckRow } from "@studyhall/db";
import { iso } from "./views.ts";

const round = (x: number) => Math.round(x * 10_000) / 10_000;
export const ratio = (part: number, whole: number) => (whole ? round(part / whole) : null);

export const questionStats = z.object({
  questionId: z.string(),
  quizId: z.string(),
  position: z.number().int(),
  prompt: z.string(),
  attempts: z.number().int(),
  answered: z.number().int(),
  correct: z.number().int(),
  correctRate: z.number().nullable(),
});
export const quizStats = z.object({
  quizId: z.string(),
  title: z.string(),
  attempts: z.number().int(),
  students: z.number().int(),
  averageScore: z.number().nullable(),
  passRate: z.number().nullable(),
});
export const stuckSchema = z.object({
  rule: z.object({ inactiveDays: z.number().int().nullable(), failedAttempts: z.number().int(), passScore: z.number() }),
  students: z.array(
    z.object({
      userId: z.string(),
      name: z.string(),
      email: z.string(),
      enrolledAt: z.string(),
      lastActivityAt: z.string().nullable(),
      failedAttempts: z.number().int(),
      reasons: z.array(z.enum(["inactive", "failing"])),
    }),
  ),
});

export const stuckQuery = z.object({
  inactiveDays: z.coerce.number().int().min(1).max(365).default(STUCK_INACTIVE_DAYS),
  failedAttempts: z.coerce.number().int().min(1).max(100).default(STUCK_FAILED_ATTEMPTS),
});

export const questionView = (q: QuestionFigures) => ({ ...q, correctRate: ratio(q.correct, q.attempts) });

export function stuckView(rows: StuckRow[], rule: { inactiveDays: number | null; failedAttempts: number }, now: number) {
  const idleBefore = rule.inactiveDays === null ? null : now - rule.inactiveDays * 86_400_000;
  return {
    rule: { ...rule, passScore: QUIZ_PASS_SCORE },
    students: rows.map((r) => ({
      userId: r.userId,
      name: r.name,
      email: r.email,
      enrolledAt: iso(new Date(r.enrolledAt))!,
      lastActivityAt: r.lastActivityAt === null ? null : iso(new Date(r.lastActivityAt)),
      failedAttempts: r.failedAttempts,
      reasons: [
        ...(idleBefore !== null && (r.lastActivityAt ?? r.enrolledAt) < idleBefore ? (["inactive"] as const) : []),
        ...(r.failedAttempts >= rule.failedAttempts ? (["failing"] as const) : []),
      ],
    })),
  };
}
