/**
 * The queue dashboard's actions, for admins: retry one or every failed job,
 * cancel, clean old completed jobs, pause and resume a lane, and requeue what
 * reached the dead-letter queue. Each acts only on the admin's organisation:
 * pausing a lane holds its jobs, never another organisation's.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { jobKinds, lanes } from "@studyhall/core";
import {
  cancelJob,
  cleanFinishedJobs,
  failedJobs,
  laneHeldBy,
  laneQueues,
  orgJob,
  requeueJobs,
  requeueOne,
  setLanePaused,
  wakeLane,
} from "@studyhall/db";
import { announceJobs } from "@studyhall/objects";
import { deferTo } from "../../defer.ts";
import { currentUser, requireRole } from "../../middleware/auth.ts";
import { bulkRetryAnswer, jobSchema, jobView } from "../job-views.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "../openapi.ts";
import { bulkResult, laneActionParams, laneStateSchema, retryResult } from "./queue-views.ts";

const router = newRouter();
router.use("*", requireRole("admin"));

export const adminActionRoutes = router
  .openapi(
    createRoute({
      method: "post",
      path: "/jobs/{id}/retry",
      tags: ["admin"],
      security: bearer,
      summary:
        "Run a failed job again (work that calls the LLM reserves its tokens from the owner's quota first); a job that failed permanently is a 409",
      request: { params: idParam },
      responses: { 202: json(jobSchema, "Queued again"), ...pick(401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const job = await orgJob(db, currentUser(c).orgId, c.req.valid("param").id);
      return c.json(jobView(await requeueOne(db, c.get("config"), laneQueues(c.env), job, { defer: deferTo(c) })), 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/jobs/{id}/cancel",
      tags: ["admin"],
      security: bearer,
      summary: "Cancel a queued or active job",
      request: { params: idParam },
      responses: { 202: json(jobSchema, "Cancelled, or cancelling"), ...pick(401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const job = await orgJob(db, currentUser(c).orgId, c.req.valid("param").id);
      const cancelled = await cancelJob(db, job);
      // Its subscribers hear it now, not at their channel's next re-read of the row.
      c.executionCtx.waitUntil(announceJobs(c.env, [cancelled]));
      return c.json(jobView(cancelled), 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/jobs/retry-failed",
      tags: ["admin"],
      security: bearer,
      summary:
        "Run every failed job again (optionally of one kind or lane, or only dead-lettered ones); those that failed permanently, or whose owner's quota cannot cover them, stay failed",
      request: {
        body: jsonBody(
          z
            .object({ kind: z.enum(jobKinds).optional(), lane: z.enum(lanes).optional(), deadLetteredOnly: z.boolean().default(false) })
            .openapi("RetryFailedRequest"),
        ),
      },
      responses: { 202: json(retryResult, "Jobs queued again"), ...pick(400, 401, 403, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const body = c.req.valid("json");
      const failed = await failedJobs(
        db,
        { orgId: currentUser(c).orgId },
        { kind: body.kind, lane: body.lane, deadLettered: body.deadLetteredOnly },
      );
      const requeued = await requeueJobs(db, c.get("config"), laneQueues(c.env), failed, { defer: deferTo(c) });
      return c.json(bulkRetryAnswer(requeued), 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/jobs/clean",
      tags: ["admin"],
      security: bearer,
      summary: "Delete completed (or cancelled) jobs older than N hours",
      request: {
        body: jsonBody(
          z
            .object({
              olderThanHours: z
                .number()
                .min(0)
                .max(24 * 365),
              status: z.enum(["completed", "cancelled"]).default("completed"),
            })
            .openapi("CleanRequest"),
        ),
      },
      responses: { 200: json(bulkResult, "Jobs deleted"), ...pick(400, 401, 403, 429) },
    }),
    async (c) => {
      const { olderThanHours, status } = c.req.valid("json");
      const ids = await cleanFinishedJobs(c.get("db"), currentUser(c).orgId, status, new Date(Date.now() - olderThanHours * 3_600_000));
      return c.json({ count: ids.length, jobIds: ids }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/lanes/{lane}/{action}",
      tags: ["admin"],
      security: bearer,
      summary: "Pause or resume the organisation's jobs of a lane: while paused they wait and lose nothing; other organisations' jobs run",
      request: { params: laneActionParams },
      responses: {
        200: json(laneStateSchema, "The lane as the organisation now sees it (a platform pause still holds it)"),
        ...pick(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const { lane, action } = c.req.valid("param");
      const me = currentUser(c);
      const db = c.get("db");
      await setLanePaused(db, me.orgId, lane, action === "pause", me.id);
      const by = await laneHeldBy(db, me.orgId, lane);
      if (by === null) c.executionCtx.waitUntil(wakeLane(db, laneQueues(c.env), me.orgId, lane));
      return c.json({ lane, paused: by !== null, pausedBy: by }, 200);
    },
  );
