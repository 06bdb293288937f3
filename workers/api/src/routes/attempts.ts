/**
 * One quiz attempt: its student saves answers while it is open and submits
 * it to be graded on the server; the course's owner or an admin may look at
 * it. Answers, explanations and source passages appear only once submitted.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { answersPatchSchema, forbidden, notFound } from "@studyhall/core";
import { quizQuestions, recordQuizActivity, saveAnswers, submitAttempt, visibleAttempt, type Db } from "@studyhall/db";
import type { CurrentUser } from "../env";
import { validationProblem } from "../errors";
import { currentUser } from "../middleware/auth";
import { attemptSchema, attemptView } from "./attempt-views";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "./openapi";

const answersBody = z.object({ answers: answersPatchSchema }).openapi("AttemptAnswers");

/** The attempt, for its own student only: the course's teacher gets 403 (it is visible to them), anyone else 404. */
async function ownAttempt(db: Db, me: CurrentUser, id: string) {
  const found = await visibleAttempt(db, me, id);
  if (found.attempt.userId === me.id) return found;
  if (me.role === "admin" || found.course.ownerId === me.id) throw forbidden("Only the student who started an attempt can answer or submit it.");
  throw notFound("attempt");
}

export const attemptRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags: ["learning"],
      security: bearer,
      summary: "An attempt (its student, or the course's owner or an admin); answers are shown only once submitted",
      request: { params: idParam },
      responses: { 200: json(attemptSchema, "The attempt"), ...pick(401, 404, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const { attempt, course } = await visibleAttempt(db, me, c.req.valid("param").id);
      if (attempt.userId !== me.id && me.role !== "admin" && course.ownerId !== me.id) throw notFound("attempt");
      return c.json(attemptView(attempt, course.id, await quizQuestions(db, attempt.quizId)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{id}/answers",
      tags: ["learning"],
      security: bearer,
      summary: "Save answers `{ [questionId]: choiceIndex }` (null clears one); merged into those saved before, while the attempt is open",
      request: { params: idParam, body: jsonBody(answersBody) },
      responses: { 200: json(attemptSchema, "The attempt with its saved answers"), ...pick(400, 401, 403, 404, 409, 413, 415, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const { attempt, course } = await ownAttempt(db, me, c.req.valid("param").id);
      const questionRows = await quizQuestions(db, attempt.quizId);
      const byId = new Map(questionRows.map((q) => [q.id, q]));
      const answers = c.req.valid("json").answers;
      const invalid = Object.entries(answers).flatMap(([questionId, choice]) => {
        const question = byId.get(questionId);
        if (!question) return [{ path: ["answers", questionId], message: "Not a question of this quiz." }];
        const choices = (question.choices as unknown[] | null) ?? [];
        if (choice !== null && choice >= choices.length) return [{ path: ["answers", questionId], message: `Choose an index from 0 to ${choices.length - 1}.` }];
        return [];
      });
      if (invalid.length) throw validationProblem(invalid, "body");
      const saved = await saveAnswers(db, attempt, answers);
      return c.json(attemptView(saved, course.id, questionRows), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/submit",
      tags: ["learning"],
      security: bearer,
      summary: "Submit and grade: the score, each question right or wrong, the answers, explanations and source passages",
      request: { params: idParam },
      responses: { 200: json(attemptSchema, "The graded attempt"), ...pick(401, 403, 404, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const { attempt, course } = await ownAttempt(db, me, c.req.valid("param").id);
      const graded = await submitAttempt(db, attempt);
      // Activity and completion (a no-op for an owner's preview: they are not enrolled).
      await recordQuizActivity(db, me.id, course.id);
      return c.json(attemptView(graded.attempt, course.id, graded.questions), 200);
    },
  );
