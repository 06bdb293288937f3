/**
 * The platform's queue controls, for the deployment's platform operators
 * only (PLATFORM_OPERATOR_IDS; no organisation role reaches them): every
 * organisation's lane statistics and jobs, the platform-wide lane switches,
 * requeueing what reached the dead-letter queue across tenants, and the
 * model keys the endpoint refused.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { jobKinds, lanes } from "@studyhall/core";
import {
  failedJobs,
  lanePauses,
  laneQueues,
  PLATFORM_SCOPE,
  pausedBy,
  queueStats,
  requeueJobs,
  searchJobs,
  setLanePaused,
  wakeLane,
} from "@studyhall/db";
import { deferTo } from "../../defer.ts";
import { currentUser, requirePlatformOperator } from "../../middleware/auth.ts";
import {
  adminJobSchema,
  adminJobView,
  jobFilter,
  jobPage,
  laneActionParams,
  laneStateSchema,
  laneStatsSchema,
  listQuery,
  retryResult,
  statsQuery,
} from "../admin/queue-views.ts";
import { bulkRetryAnswer } from "../job-views.ts";
import { bearer, json, jsonBody, newRouter, pick } from "../openapi.ts";

const platformLaneSchema = laneStatsSchema
  .extend({ organisationsPaused: z.number().int().describe("organisations holding this lane for themselves") })
  .openapi("PlatformLaneStats");
const platformJobSchema = adminJobSchema.extend({ orgId: z.string() }).openapi("PlatformJob");
const orgId = z.string().min(1).max(64);
const llmKeySchema = z
  .object({
    fingerprint: z.string().describe("the first 12 hex digits of the key's SHA-256; the key itself is never stored"),
    state: z.enum(["active", "refused"]),
    refusedSince: z.string().nullable().describe("when the endpoint began refusing it (401, 403)"),
    retryAt: z.string().nullable().describe("when it is tried again"),
    status: z.number().int().nullable(),
  })
  .openapi("PlatformLlmKey");

const router = newRouter();
router.use("*", requirePlatformOperator());

export const platformRoutes = router
  .openapi(
    createRoute({
      method: "get",
      path: "/queues",
      tags: ["platform"],
      security: bearer,
      summary:
        "Per lane, every organisation's jobs: counts, throughput, failure rate, p50 and p95 run time; whether the platform holds the lane, and how many organisations hold it for themselves",
      request: { query: statsQuery },
      responses: {
        200: json(
          z.object({ lanes: z.array(platformLaneSchema), windowMinutes: z.number(), at: z.string() }),
          "Platform-wide lane statistics",
        ),
        ...pick(401, 403, 429),
      },
    }),
    async (c) => {
      const { windowMinutes } = c.req.valid("query");
      const stats = await queueStats(c.get("db"), PLATFORM_SCOPE, windowMinutes);
      return c.json(
        {
          lanes: stats.map((l) => ({ ...l, organisationsPaused: l.organisationsPaused ?? 0 })),
          windowMinutes,
          at: new Date().toISOString(),
        },
        200,
        { "Cache-Control": "no-store" },
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/llm-keys",
      tags: ["platform"],
      security: bearer,
      summary:
        "The model keys seen in the last day by fingerprint: refused ones (401 or 403) are left out of every job's rotation until their retry time",
      responses: { 200: json(z.object({ keys: z.array(llmKeySchema), at: z.string() }), "Model keys"), ...pick(401, 403, 429) },
    }),
    async (c) => {
      const keys = await c.env.LLM_GATE.getByName("global").keys();
      return c.json({ keys, at: new Date().toISOString() }, 200, { "Cache-Control": "no-store" });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/jobs",
      tags: ["platform"],
      security: bearer,
      summary: "Every organisation's jobs (or one's, with orgId), filtered as the organisation dashboard's list, newest first",
      request: { query: listQuery.extend({ orgId: orgId.optional() }) },
      responses: {
        200: json(z.object({ items: z.array(platformJobSchema), nextBefore: z.string().nullable() }), "Jobs"),
        ...pick(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const rows = await searchJobs(c.get("db"), PLATFORM_SCOPE, jobFilter(query));
      return c.json(
        jobPage(rows, query.limit, (row) => ({ ...adminJobView(row), orgId: row.job.orgId })),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/lanes/{lane}/{action}",
      tags: ["platform"],
      security: bearer,
      summary: "Pause or resume a lane for every organisation: while paused no job of it starts, and none is lost",
      request: { params: laneActionParams },
      responses: { 200: json(laneStateSchema, "The lane's platform switch"), ...pick(400, 401, 403, 429) },
    }),
    async (c) => {
      const { lane, action } = c.req.valid("param");
      const db = c.get("db");
      await setLanePaused(db, PLATFORM_SCOPE, lane, action === "pause", currentUser(c).id);
      const by = pausedBy((await lanePauses(db, PLATFORM_SCOPE))[lane]);
      if (by === null) c.executionCtx.waitUntil(wakeLane(db, laneQueues(c.env), PLATFORM_SCOPE, lane));
      return c.json({ lane, paused: by !== null, pausedBy: by }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/jobs/requeue-dead",
      tags: ["platform"],
      security: bearer,
      summary:
        "Requeue dead-lettered jobs of every organisation (optionally of one kind, lane or organisation), up to 500 at a time; those that failed permanently stay failed",
      request: {
        body: jsonBody(
          z
            .object({ kind: z.enum(jobKinds).optional(), lane: z.enum(lanes).optional(), orgId: orgId.optional() })
            .openapi("RequeueDeadRequest"),
        ),
      },
      responses: { 202: json(retryResult, "Jobs queued again"), ...pick(400, 401, 403, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const failed = await failedJobs(db, PLATFORM_SCOPE, { ...c.req.valid("json"), deadLettered: true });
      const requeued = await requeueJobs(db, c.get("config"), laneQueues(c.env), failed, { defer: deferTo(c) });
      return c.json(bulkRetryAnswer(requeued), 202);
    },
  );
