/**
 * A course's contents: lessons served from the KV cache (with ETag and
 * Cache-Control, hits and misses counted with the request metrics), the answer key for its owner, and
 * regenerating one lesson.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { estimateTokens, KV_MIN_TTL_SECONDS, keyTermSchema, renderMarkdown } from "@studyhall/core";
import { answerKey, enqueue, laneQueues, lessonToRegenerate, readLesson, reserveFor } from "@studyhall/db";
import { deferTo } from "../../defer.ts";
import { recordLessonCache } from "../../metrics/recorder.ts";
import { currentUser } from "../../middleware/auth.ts";
import { requestDb } from "../../middleware/d1-session.ts";
import { idempotent } from "../../middleware/idempotency.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { jobSchema, jobView } from "../job-views.ts";
import { bearer, json, newRouter, pick } from "../openapi.ts";

const lessonSchema = z
  .object({
    id: z.string(),
    courseId: z.string(),
    moduleId: z.string(),
    position: z.number().int(),
    title: z.string(),
    bodyMd: z.string(),
    keyTerms: z.array(keyTermSchema),
    sources: z.array(
      z.object({ sectionIndex: z.number().int(), pageStart: z.number().int().optional(), pageEnd: z.number().int().optional() }),
    ),
    version: z.number().int(),
    updatedAt: z.string(),
  })
  .openapi("Lesson");

const lessonParams = z.object({ id: z.string().min(1).max(64), lessonId: z.string().min(1).max(64) });
/** `?format=html` adds `bodyHtml`: the Markdown rendered with no way to run a script (see @studyhall/core markdown). */
const lessonQuery = z.object({ format: z.enum(["markdown", "html"]).default("markdown") });

const answerKeySchema = z.array(
  z.object({
    quizId: z.string(),
    title: z.string(),
    moduleId: z.string().nullable(),
    questions: z.array(
      z.object({
        id: z.string(),
        prompt: z.string(),
        choices: z.array(z.string()),
        answer: z.unknown(),
        explanation: z.string(),
        sourcePassage: z.string().nullable(),
      }),
    ),
  }),
);

export const lessonRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/lessons/{lessonId}",
      tags: ["courses"],
      security: bearer,
      summary:
        "A lesson, from the cache (ETag and If-None-Match supported); ?format=html adds bodyHtml; an enrolled student's read is recorded",
      request: { params: lessonParams, query: lessonQuery },
      responses: {
        200: json(lessonSchema.extend({ bodyHtml: z.string().optional() }), "The lesson"),
        304: { description: "Not modified" },
        ...pick(401, 404, 429),
      },
    }),
    async (c) => {
      const { id, lessonId } = c.req.valid("param");
      const config = c.get("config");
      const { entry, cache } = await readLesson(() => requestDb(c), c.env.LESSONS, currentUser(c), id, lessonId, {
        ttlSeconds: config.LESSON_CACHE_TTL,
        waitUntil: (p) => c.executionCtx.waitUntil(p),
        onLookup: recordLessonCache,
        prefetch: c.get("lessonPrefetch"),
        // A decision lives no longer than an access token, nor less than KV's shortest TTL.
        decisionTtlSeconds: Math.max(KV_MIN_TTL_SECONDS, config.ACCESS_TOKEN_TTL),
      });
      const headers = { "Cache-Control": "private, max-age=60, must-revalidate", Vary: "Authorization", "X-Cache": cache };
      // The HTML form is another representation, so it has its own validator.
      const html = c.req.valid("query").format === "html";
      const etag = html ? entry.etag.replace(/"$/, '-html"') : entry.etag;
      if (c.req.header("If-None-Match") === etag) return c.body(null, 304, { ETag: etag, ...headers });
      const body = entry.body;
      return c.json(html ? { ...body, bodyHtml: renderMarkdown(body.bodyMd) } : body, 200, { ETag: etag, ...headers });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/answer-key",
      tags: ["courses"],
      security: bearer,
      summary: "Every quiz question with its answer, explanation and source passage (the course's owner or an admin)",
      request: { params: z.object({ id: z.string().min(1).max(64) }) },
      responses: { 200: json(answerKeySchema, "The answer key"), ...pick(401, 403, 404, 429) },
    }),
    async (c) => c.json(await answerKey(c.get("db"), currentUser(c), c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/lessons/{lessonId}/regenerate",
      tags: ["courses"],
      security: bearer,
      middleware: [rateLimit("jobs"), idempotent()] as const,
      summary: "Write one lesson again; its cached copy is dropped when the new one is ready",
      request: { params: lessonParams },
      responses: { 202: json(jobSchema, "Regeneration queued"), ...pick(401, 403, 404, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const config = c.get("config");
      const { id, lessonId } = c.req.valid("param");
      const { course, lesson } = await lessonToRegenerate(db, me, id, lessonId);
      const jobId = crypto.randomUUID();
      const job = await reserveFor(db, config, me, { amount: estimateTokens({ kind: "regenerate-lesson" }), jobId }, () =>
        enqueue(
          db,
          laneQueues(c.env),
          {
            id: jobId,
            orgId: me.orgId,
            ownerId: me.id,
            kind: "regenerate-lesson",
            lane: "high",
            payload: { courseId: course.id, lessonId: lesson.id, baseVersion: lesson.version },
            maxAttempts: config.JOB_MAX_RETRIES + 1,
          },
          { defer: deferTo(c) },
        ),
      );
      return c.json(jobView(job), 202);
    },
  );
