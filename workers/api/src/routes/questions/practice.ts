/**
 * The organisation's bank of practice questions: generate questions for a
 * topic or a document section (a job), search the bank, read one, pin and tag,
 * delete; practising and the trending list are in practice-answers.ts, mounted
 * first (routes/questions/index.ts) so `/trending` is not read as an id.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { generateQuestionsRequestSchema } from "@studyhall/core";
import { deleteQuestion, laneQueues, requestPracticeQuestions, searchBank, shownQuestion, tagQuestion, trendingKey } from "@studyhall/db";
import { deferTo } from "../../defer.ts";
import { currentUser, requireRole } from "../../middleware/auth.ts";
import { idempotent } from "../../middleware/idempotency.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { jobSchema, jobView } from "../job-views.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "../openapi.ts";
import { bankQuery, practiceQuestionSchema, practiceQuestionView } from "./practice-views.ts";

/** The request is the job's payload: one schema in the job contract, so what is accepted is what can run. */
const generateBody = generateQuestionsRequestSchema.openapi("GenerateQuestionsRequest");

const patchBody = z
  .object({
    pinned: z.boolean().optional(),
    tags: z.array(z.string().trim().min(1).max(40)).max(20).optional(),
  })
  .refine((b) => b.pinned !== undefined || b.tags !== undefined, { message: "Send pinned, tags, or both." })
  .openapi("PracticeQuestionPatch");

export const bankRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/generate",
      tags: ["practice"],
      security: bearer,
      middleware: [requireRole("admin", "teacher"), rateLimit("jobs"), idempotent()] as const,
      summary: "Write practice questions for a topic, a document section, or both (a job)",
      request: { body: jsonBody(generateBody) },
      responses: { 202: json(jobSchema, "Generation queued"), ...pick(400, 401, 403, 404, 409, 422, 429) },
    }),
    async (c) => {
      const job = await requestPracticeQuestions(c.get("db"), laneQueues(c.env), c.get("config"), currentUser(c), c.req.valid("json"), {
        defer: deferTo(c),
      });
      return c.json(jobView(job), 202, { Location: `/v1/jobs/${job.id}` });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["practice"],
      security: bearer,
      summary: "Search the organisation's bank (words in the prompt, topic or tags), newest first",
      request: { query: bankQuery },
      responses: {
        200: json(z.object({ items: z.array(practiceQuestionSchema), nextCursor: z.string().nullable() }), "A page of questions"),
        ...pick(400, 401, 429),
      },
    }),
    async (c) => {
      const { items, nextCursor } = await searchBank(c.get("db"), currentUser(c), c.req.valid("query"));
      return c.json({ items: items.map(({ question, revealed }) => practiceQuestionView(question, revealed)), nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags: ["practice"],
      security: bearer,
      summary: "One question; students see its answer once they have practised it",
      request: { params: idParam },
      responses: { 200: json(practiceQuestionSchema, "The question"), ...pick(401, 404, 429) },
    }),
    async (c) => {
      const { question, revealed } = await shownQuestion(c.get("db"), currentUser(c), c.req.valid("param").id);
      return c.json(practiceQuestionView(question, revealed), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags: ["practice"],
      security: bearer,
      middleware: [requireRole("admin", "teacher")] as const,
      summary: "Pin or tag a question (teachers and admins)",
      request: { params: idParam, body: jsonBody(patchBody) },
      responses: { 200: json(practiceQuestionSchema, "The updated question"), ...pick(400, 401, 403, 404, 429) },
    }),
    async (c) =>
      c.json(practiceQuestionView(await tagQuestion(c.get("db"), currentUser(c), c.req.valid("param").id, c.req.valid("json")), true), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags: ["practice"],
      security: bearer,
      middleware: [requireRole("admin", "teacher")] as const,
      summary: "Delete a question (whoever generated it, or an admin)",
      request: { params: idParam },
      responses: { 204: { description: "Deleted" }, ...pick(401, 403, 404, 429) },
    }),
    async (c) => {
      const me = currentUser(c);
      await deleteQuestion(c.get("db"), me, c.req.valid("param").id);
      // The trending list may name it; let the next read recompute rather than show a deleted question.
      c.executionCtx.waitUntil(c.env.LESSONS.delete(trendingKey(me.orgId)));
      return c.body(null, 204);
    },
  );
