/**
 * One quiz attempt: its student saves answers (by index as the attempt shows
 * its choices) while it is open and submits it to be graded on the server;
 * the course's owner or an admin may look at it. Right or wrong appears once
 * submitted; the right answers, explanations and source passages as the
 * quiz's answer policy says (always for the owner and admins).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { answersAsSaved, answersPatchSchema, forbidden, notFound, showQuiz } from "@studyhall/core";
import {
  answersShownTo,
  canEditCourse,
  type Db,
  quizQuestions,
  recordQuizActivity,
  saveAnswers,
  submitAttempt,
  visibleAttempt,
} from "@studyhall/db";
import type { CurrentUser } from "../env.ts";
import { validationProblem } from "../errors.ts";
import { currentUser } from "../middleware/auth.ts";
import { attemptSchema, attemptView } from "./attempt-views.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "./openapi.ts";

const answersBody = z.object({ answers: answersPatchSchema }).openapi("AttemptAnswers");

/** The attempt, for its own student only: the course's teacher gets 403 (it is visible to them), anyone else 404. */
async function ownAttempt(db: Db, me: CurrentUser, id: string) {
  const found = await visibleAttempt(db, me, id);
  if (found.attempt.userId === me.id) return found;
  if (canEditCourse(me, found.course)) throw forbidden("Only the student who started an attempt can answer or submit it.");
  throw notFound("attempt");
}

export const attemptRoutes = newRouter()
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
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const { attempt, quiz, course } = await visibleAttempt(db, me, c.req.valid("param").id);
      if (attempt.userId !== me.id && !canEditCourse(me, course)) throw notFound("attempt");
      const showAnswers = attempt.submittedAt !== null && (await answersShownTo(db, me, { quiz, course }, attempt.userId));
      return c.json(attemptView(attempt, course.id, await quizQuestions(db, attempt.quizId), showAnswers), 200);
    },
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
      const db = c.get("db");
      const me = currentUser(c);
      const { attempt, course } = await ownAttempt(db, me, c.req.valid("param").id);
      const questionRows = await quizQuestions(db, attempt.quizId);
      const shown = showQuiz(attempt.layout, questionRows);
      const byId = new Map(shown.map((s) => [s.question.id, s]));
      const answers = c.req.valid("json").answers;
      const invalid = Object.entries(answers).flatMap(([questionId, choice]) => {
        const question = byId.get(questionId);
        if (!question) return [{ path: ["answers", questionId], message: "Not a question of this quiz." }];
        const count = question.choiceOrder.length;
        if (choice !== null && choice >= count)
          return [{ path: ["answers", questionId], message: `Choose an index from 0 to ${count - 1}.` }];
        return [];
      });
      if (invalid.length) throw validationProblem(invalid, "body");
      // Saved in the quiz's own index space, so grading and analytics never need the layout.
      const saved = await saveAnswers(db, attempt, answersAsSaved(shown, answers));
      return c.json(attemptView(saved, course.id, questionRows, false), 200);
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
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const { attempt, quiz, course } = await ownAttempt(db, me, c.req.valid("param").id);
      const graded = await submitAttempt(db, attempt);
      // Activity and completion (a no-op for an owner's preview: they are not enrolled).
      await recordQuizActivity(db, me.id, course.id);
      // Read after the submit, so submitting the last attempt shows the answers at once.
      const showAnswers = await answersShownTo(db, me, { quiz, course }, attempt.userId);
      return c.json(attemptView(graded.attempt, course.id, graded.questions, showAnswers), 200);
    },
  );
