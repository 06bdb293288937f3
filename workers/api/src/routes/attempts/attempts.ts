/**
 * One quiz attempt: its student saves answers (by index as the attempt shows
 * its choices) while it is open and submits it to be graded on the server;
 * the course's owner or an admin may look at it. Right or wrong appears once
 * submitted; the right answers, explanations and source passages as the
 * quiz's answer policy says (always for the owner and admins).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { answersPatchSchema } from "@studyhall/core";
import { attemptForViewer, type ShownAttempt, saveOwnAnswers, submitOwnAttempt } from "@studyhall/db";
import { validationProblem } from "../../errors.ts";
import { currentUser } from "../../middleware/auth.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "../openapi.ts";
import { attemptSchema, attemptView } from "./attempt-views.ts";

const answersBody = z.object({ answers: answersPatchSchema }).openapi("AttemptAnswers");

const shownView = ({ attempt, course, questions, showAnswers }: ShownAttempt) => attemptView(attempt, course.id, questions, showAnswers);

export const attemptActionRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags: ["learning"],
      security: bearer,
      summary:
        "An attempt (its student, or the course's owner or an admin); right or wrong once submitted, the right answers as the quiz's policy says",
      request: { params: idParam },
      responses: { 200: json(attemptSchema, "The attempt"), ...pick(401, 404, 429) },
    }),
    async (c) => c.json(shownView(await attemptForViewer(c.get("db"), currentUser(c), c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{id}/answers",
      tags: ["learning"],
      security: bearer,
      summary:
        "Save answers `{ [questionId]: choiceIndex }`, by index as this attempt shows the choices (null clears one); merged into those saved before, while the attempt is open",
      request: { params: idParam, body: jsonBody(answersBody) },
      responses: { 200: json(attemptSchema, "The attempt with its saved answers"), ...pick(400, 401, 403, 404, 409, 413, 415, 429) },
    }),
    async (c) => {
      const result = await saveOwnAnswers(c.get("db"), currentUser(c), c.req.valid("param").id, c.req.valid("json").answers);
      if (!result.saved) throw validationProblem(result.issues, "body");
      return c.json(shownView(result.attempt), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/submit",
      tags: ["learning"],
      security: bearer,
      summary:
        "Submit and grade: the score, each question right or wrong and, as the quiz's policy says, the right answers, explanations and source passages",
      request: { params: idParam },
      responses: { 200: json(attemptSchema, "The graded attempt"), ...pick(401, 403, 404, 429) },
    }),
    async (c) => c.json(shownView(await submitOwnAttempt(c.get("db"), currentUser(c), c.req.valid("param").id)), 200),
  );
