/** Jobs: follow, list, cancel and retry your own work. */
import { createRoute, z } from "@hono/zod-openapi";
import { assertStartsWork, jobStatusValues, ProblemError } from "@studyhall/core";
import { cancelJob, type Job, type JobCursor, laneQueues, ownJobsPage, requeueOne, visibleJob } from "@studyhall/db";
import { announceJobs } from "@studyhall/objects";
import { deferTo } from "../../defer.ts";
import { currentUser } from "../../middleware/auth.ts";
import { idempotent } from "../../middleware/idempotency.ts";
import { jobKindSchema, jobSchema, jobView } from "../job-views.ts";
import { bearer, idParam, json, newRouter, pick } from "../openapi.ts";

const listQuery = z.object({
  status: z.enum(jobStatusValues).optional(),
  kind: jobKindSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  /** Opaque cursor from the previous page's `nextCursor`. */
  cursor: z.string().max(200).optional(),
});

function encodeCursor(job: Job): string {
  return btoa(`${job.createdAt.getTime()}:${job.id}`);
}

function decodeCursor(cursor: string): JobCursor {
  try {
    const [at, id] = atob(cursor).split(":");
    if (!at || !id || !Number.isFinite(Number(at))) throw new Error();
    return { at: Number(at), id };
  } catch {
    throw new ProblemError("validation-failed", {
      detail: "The cursor is not valid.",
      extensions: { invalidParams: [{ name: "cursor", reason: "not a cursor from this API" }] },
    });
  }
}

export const ownJobRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["jobs"],
      security: bearer,
      summary: "Your jobs, newest first",
      request: { query: listQuery },
      responses: {
        200: json(z.object({ items: z.array(jobSchema), nextCursor: z.string().nullable() }), "A page of jobs"),
        ...pick(400, 401, 429),
      },
    }),
    async (c) => {
      const me = currentUser(c);
      const { status, kind, limit, cursor } = c.req.valid("query");
      const after = cursor ? decodeCursor(cursor) : undefined;
      const { page, more } = await ownJobsPage(c.get("db"), me.id, { status, kind, limit, after });
      return c.json({ items: page.map(jobView), nextCursor: more ? encodeCursor(page.at(-1)!) : null }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags: ["jobs"],
      security: bearer,
      summary: "A job's status, progress, stage, attempts, error and result link",
      request: { params: idParam },
      responses: { 200: json(jobSchema, "The job"), ...pick(401, 404, 429) },
    }),
    async (c) => {
      const job = await visibleJob(c.get("db"), currentUser(c), c.req.valid("param").id);
      return c.json(jobView(job), 200, { "Cache-Control": "no-store" });
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/cancel",
      tags: ["jobs"],
      security: bearer,
      middleware: [idempotent()] as const,
      summary: "Cancel a job: a queued one never starts; an active one stops at its next checkpoint",
      request: { params: idParam },
      responses: { 202: json(jobSchema, "Cancelled, or cancelling"), ...pick(401, 404, 409, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const job = await visibleJob(db, currentUser(c), c.req.valid("param").id);
      const cancelled = await cancelJob(db, job);
      // Its subscribers hear it now, not at their channel's next re-read of the row.
      c.executionCtx.waitUntil(announceJobs(c.env, [cancelled]));
      return c.json(jobView(cancelled), 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/retry",
      tags: ["jobs"],
      security: bearer,
      middleware: [idempotent()] as const,
      summary:
        "Run a failed job again, with a fresh set of attempts (and, for work that calls the LLM, a fresh token reservation); a job that failed permanently is a 409",
      request: { params: idParam },
      responses: { 202: json(jobSchema, "Queued again"), ...pick(401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const job = await visibleJob(db, me, c.req.valid("param").id);
      // The owner of an old job, made operator since, may still see it but not run it again.
      assertStartsWork(me);
      return c.json(jobView(await requeueOne(db, c.get("config"), laneQueues(c.env), job, { defer: deferTo(c) })), 202);
    },
  );
