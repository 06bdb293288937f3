/**
 * The organisation's bank of practice questions, mounted at /v1/questions:
 * generate questions for a topic or a document section (a job), search the
 * bank, read one, pin and tag, delete; practising and the trending list are
 * in practice-answers.ts, mounted first so `/trending` is not read as an id.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { estimateTokens, generateQuestionsRequestSchema, notFound, ProblemError } from "@studyhall/core";
import {
  documentSections,
  documents,
  enqueue,
  laneQueues,
  practiceEvents,
  practiceQuestions,
  readableDocuments,
  reserveFor,
} from "@studyhall/db";
import { and, eq, inArray } from "drizzle-orm";
import { currentUser, requireRole } from "../middleware/auth.ts";
import { idempotent } from "../middleware/idempotency.ts";
import { rateLimit } from "../middleware/rate-limit.ts";
import { jobSchema, jobView } from "./job-views.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "./openapi.ts";
import { practiceAnswerRoutes, trendingKey } from "./practice-answers.ts";
import {
  bankFilter,
  bankOrder,
  bankQuery,
  encodeCursor,
  practiceQuestionSchema,
  practiceQuestionView,
  seesAnswers,
} from "./practice-views.ts";

/** The request is the job's payload: one schema in the job contract, so what is accepted is what can run. */
const generateBody = generateQuestionsRequestSchema.openapi("GenerateQuestionsRequest");

const patchBody = z
  .object({
    pinned: z.boolean().optional(),
    tags: z.array(z.string().trim().min(1).max(40)).max(20).optional(),
  })
  .refine((b) => b.pinned !== undefined || b.tags !== undefined, { message: "Send pinned, tags, or both." })
  .openapi("PracticeQuestionPatch");

const bankRoutes = newRouter()
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
      const db = c.get("db");
      const me = currentUser(c);
      const config = c.get("config");
      const body = c.req.valid("json");
      if (body.documentId) {
        const document = await db.query.documents.findFirst({
          where: and(eq(documents.id, body.documentId), eq(documents.orgId, me.orgId)),
        });
        // Documents are private to their owner and the admins, as in /v1/documents.
        if (!document || (me.role !== "admin" && document.ownerId !== me.id)) throw notFound("document");
        if (document.status !== "parsed")
          throw new ProblemError("conflict", { detail: "The document is not parsed yet; try again when its parse job is done." });
        if (body.sectionIndex !== undefined) {
          const section = await db.query.documentSections.findFirst({
            where: and(eq(documentSections.documentId, document.id), eq(documentSections.position, body.sectionIndex)),
          });
          if (!section) {
            throw new ProblemError("validation-failed", {
              detail: "The document has no section with that index.",
              extensions: { invalidParams: [{ name: "sectionIndex", reason: "no such section in the document" }] },
            });
          }
        }
      } else {
        // A topic alone searches what the teacher may read: their own documents and those behind courses they can see.
        const [any] = await db
          .select({ id: documents.id })
          .from(documents)
          .where(and(readableDocuments(me), eq(documents.status, "parsed")))
          .limit(1);
        if (!any) throw new ProblemError("conflict", { detail: "There is no parsed document you may read to write questions from yet." });
      }
      const jobId = crypto.randomUUID();
      const job = await reserveFor(
        db,
        config,
        me,
        { amount: estimateTokens({ kind: "generate-questions", count: body.count }), jobId },
        () =>
          enqueue(
            db,
            laneQueues(c.env),
            {
              id: jobId,
              orgId: me.orgId,
              ownerId: me.id,
              kind: "generate-questions",
              lane: "normal",
              payload: body,
              maxAttempts: config.JOB_MAX_RETRIES + 1,
            },
            { waitUntil: (p) => c.executionCtx.waitUntil(p) },
          ),
      );
      return c.json(jobView(job), 202, { Location: `/v1/jobs/${jobId}` });
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
      const db = c.get("db");
      const me = currentUser(c);
      const query = c.req.valid("query");
      const rows = await db
        .select()
        .from(practiceQuestions)
        .where(bankFilter(me.orgId, query))
        .orderBy(...bankOrder)
        .limit(query.limit + 1);
      const page = rows.slice(0, query.limit);
      const practised = new Set<string>();
      if (!seesAnswers(me) && page.length) {
        const events = await db
          .selectDistinct({ questionId: practiceEvents.questionId })
          .from(practiceEvents)
          .where(
            and(
              eq(practiceEvents.userId, me.id),
              inArray(
                practiceEvents.questionId,
                page.map((q) => q.id),
              ),
            ),
          );
        for (const e of events) practised.add(e.questionId);
      }
      return c.json(
        {
          items: page.map((q) => practiceQuestionView(q, seesAnswers(me) || practised.has(q.id))),
          nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!) : null,
        },
        200,
      );
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
      const db = c.get("db");
      const me = currentUser(c);
      const question = await db.query.practiceQuestions.findFirst({
        where: and(eq(practiceQuestions.id, c.req.valid("param").id), eq(practiceQuestions.orgId, me.orgId)),
      });
      if (!question) throw notFound("question");
      const practised =
        !seesAnswers(me) &&
        (await db.query.practiceEvents.findFirst({
          where: and(eq(practiceEvents.questionId, question.id), eq(practiceEvents.userId, me.id)),
        }));
      return c.json(practiceQuestionView(question, seesAnswers(me) || Boolean(practised)), 200);
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
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const patch = c.req.valid("json");
      const tags = patch.tags ? [...new Set(patch.tags)] : undefined;
      const [updated] = await db
        .update(practiceQuestions)
        .set({ ...(patch.pinned !== undefined ? { pinned: patch.pinned } : {}), ...(tags ? { tags } : {}) })
        .where(and(eq(practiceQuestions.id, c.req.valid("param").id), eq(practiceQuestions.orgId, me.orgId)))
        .returning();
      if (!updated) throw notFound("question");
      return c.json(practiceQuestionView(updated, true), 200);
    },
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
      const db = c.get("db");
      const me = currentUser(c);
      const question = await db.query.practiceQuestions.findFirst({
        where: and(eq(practiceQuestions.id, c.req.valid("param").id), eq(practiceQuestions.orgId, me.orgId)),
      });
      if (!question) throw notFound("question");
      if (me.role !== "admin" && question.ownerId !== me.id)
        throw new ProblemError("forbidden", { detail: "Only whoever generated the question or an admin can delete it." });
      await db.delete(practiceQuestions).where(eq(practiceQuestions.id, question.id));
      // The trending list may name it; let the next read recompute rather than show a deleted question.
      c.executionCtx.waitUntil(c.env.LESSONS.delete(trendingKey(me.orgId)));
      return c.body(null, 204);
    },
  );

/** Everything under /v1/questions; the fixed paths (`/trending`) come before `/{id}`. */
export const practiceRoutes = newRouter().route("/", practiceAnswerRoutes).route("/", bankRoutes);
