/**
 * Quizzes: settings (attempt and time limits, when students see the right
 * answers) for the course's owner or an admin, and starting an attempt for an
 * enrolled student (or the owner or an admin previewing, who are not held to
 * the limits), shuffled afresh. Nothing here shows an answer: questions go
 * out as prompt and choices only.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { hasPassed, revealPolicySchema } from "@studyhall/core";
import { changeQuizSettings, quizForViewer, startQuizAttempt } from "@studyhall/db";
import { currentUser } from "../../middleware/auth.ts";
import { attemptSchema, attemptStatus, attemptView, quizSchema, quizView } from "../attempts/attempt-views.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "../openapi.ts";

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

export const quizSettingRoutes = newRouter()
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
      const { quiz, questionCount, attempts: mine } = await quizForViewer(c.get("db"), currentUser(c), c.req.valid("param").id);
      const scores = mine.filter((a) => a.submittedAt && a.score !== null).map((a) => a.score!);
      const best = scores.length ? Math.max(...scores) : null;
      return c.json(
        {
          ...quizView(quiz, questionCount),
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
      const { quiz, questionCount } = await changeQuizSettings(c.get("db"), currentUser(c), c.req.valid("param").id, c.req.valid("json"));
      return c.json(quizView(quiz, questionCount), 200);
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
      const { attempt, resumed, course, questions } = await startQuizAttempt(c.get("db"), currentUser(c), c.req.valid("param").id);
      const view = attemptView(attempt, course.id, questions, false);
      return resumed ? c.json(view, 200) : c.json(view, 201);
    },
  );
