/**
 * Quizzes: settings (attempt and time limits, when students see the right
 * answers) for the course's owner or an admin, and starting an attempt for an
 * enrolled student (or the owner or an admin previewing, who are not held to
 * the limits), shuffled afresh. Nothing here shows an answer: questions go
 * out as prompt and choices only.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { forbidden, hasPassed, ProblemError, revealPolicySchema } from "@studyhall/core";
import {
  assertCanEdit,
  attemptsOf,
  canEditCourse,
  type Db,
  enrolments,
  questions,
  quizQuestions,
  quizzes,
  startAttempt,
  visibleQuiz,
} from "@studyhall/db";
import { and, count, eq } from "drizzle-orm";
import { currentUser } from "../middleware/auth.ts";
import { attemptSchema, attemptStatus, attemptView, quizSchema, quizView } from "./attempt-views.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "./openapi.ts";

const quizPatch = z
  .object({
    /** Attempts allowed per student; null for unlimited. */
    maxAttempts: z.number().int().min(1).max(100).nullable().optional(),
    /** Seconds allowed per attempt; null for no limit. */
    timeLimitSeconds: z.number().int().min(30).max(86_400).nullable().optional(),
    /** When students see the right answers of their submitted attempts. */
    revealAnswers: revealPolicySchema.optional(),
  })
  .refine((p) => p.maxAttempts !== undefined || p.timeLimitSeconds !== undefined || p.revealAnswers !== undefined, {
    message: "Send maxAttempts, timeLimitSeconds, revealAnswers or several.",
  })
  .openapi("QuizPatch");

const mineSchema = z.object({
  attemptsUsed: z.number().int(),
  attemptsLeft: z.number().int().nullable(),
  bestScore: z.number().nullable(),
  passed: z.boolean(),
  openAttemptId: z.string().nullable(),
});

async function isEnrolled(db: Db, courseId: string, userId: string): Promise<boolean> {
  return (
    (await db.query.enrolments.findFirst({ where: and(eq(enrolments.courseId, courseId), eq(enrolments.userId, userId)) })) !== undefined
  );
}

async function questionCount(db: Db, quizId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(questions).where(eq(questions.quizId, quizId));
  return row?.n ?? 0;
}

export const quizRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags: ["learning"],
      security: bearer,
      summary: "A quiz's settings, and your attempts at it so far",
      request: { params: idParam },
      responses: { 200: json(quizSchema.extend({ mine: mineSchema }), "The quiz"), ...pick(401, 404, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const { quiz } = await visibleQuiz(db, me, c.req.valid("param").id);
      const mine = await attemptsOf(db, quiz.id, me.id);
      const scores = mine.filter((a) => a.submittedAt && a.score !== null).map((a) => a.score!);
      const best = scores.length ? Math.max(...scores) : null;
      return c.json(
        {
          ...quizView(quiz, await questionCount(db, quiz.id)),
          mine: {
            attemptsUsed: mine.length,
            attemptsLeft: quiz.maxAttempts === null ? null : Math.max(0, quiz.maxAttempts - mine.length),
            bestScore: best,
            passed: hasPassed(best),
            openAttemptId: mine.filter((a) => attemptStatus(a) === "open").at(-1)?.id ?? null,
          },
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags: ["learning"],
      security: bearer,
      summary:
        "Set a quiz's attempt limit, time limit (null removes a limit) and when students see the right answers (the course's owner or an admin)",
      request: { params: idParam, body: jsonBody(quizPatch) },
      responses: { 200: json(quizSchema, "The quiz"), ...pick(400, 401, 403, 404, 413, 415, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const { quiz, course } = await visibleQuiz(db, me, c.req.valid("param").id);
      assertCanEdit(me, course);
      const patch = c.req.valid("json");
      const [updated] = await db.update(quizzes).set(patch).where(eq(quizzes.id, quiz.id)).returning();
      return c.json(quizView(updated!, await questionCount(db, quiz.id)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/attempts",
      tags: ["learning"],
      security: bearer,
      summary:
        "Start an attempt (or get your open one back): the questions without their answers, questions and choices in this attempt's own random order",
      request: { params: idParam },
      responses: {
        200: json(attemptSchema, "Your open attempt"),
        201: json(attemptSchema, "A new attempt"),
        ...pick(401, 403, 404, 409, 429),
      },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const { quiz, course } = await visibleQuiz(db, me, c.req.valid("param").id);
      const previewing = canEditCourse(me, course);
      if (!previewing && (me.role !== "student" || !(await isEnrolled(db, course.id, me.id)))) {
        throw forbidden(
          me.role === "student"
            ? "Enrol in the course to take its quizzes."
            : "Only enrolled students, the course's owner and admins take its quizzes.",
        );
      }
      const questionRows = await quizQuestions(db, quiz.id);
      if (!questionRows.length)
        throw new ProblemError("conflict", { detail: "This quiz has no questions yet.", extensions: { reason: "quiz-empty" } });
      const { attempt, resumed } = await startAttempt(db, {
        quiz,
        userId: me.id,
        orgId: me.orgId,
        limited: !previewing,
        questions: questionRows,
      });
      const view = attemptView(attempt, course.id, questionRows, false);
      return resumed ? c.json(view, 200) : c.json(view, 201);
    },
  );
