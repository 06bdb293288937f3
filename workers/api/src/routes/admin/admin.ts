/**
 * The queue dashboard's data, for admins and read-only operators: lane
 * statistics, the job list with filters, and a job's full history. Every
 * figure is the caller's organisation's.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { notFound } from "@studyhall/core";
import { jobWithEvents, queueStats, searchJobs } from "@studyhall/db";
import { currentUser, requireRole } from "../../middleware/auth.ts";
import { bearer, idParam, json, newRouter, pick } from "../openapi.ts";
import {
  adminJobSchema,
  adminJobView,
  jobDetailSchema,
  jobDetailView,
  jobFilter,
  jobPage,
  laneStatsSchema,
  listQuery,
  statsQuery,
} from "./queue-views.ts";

const router = newRouter();
router.use("*", requireRole("admin", "operator"));

export const dashboardRoutes = router
  .openapi(
    createRoute({
      method: "get",
      path: "/queues",
      tags: ["admin"],
      security: bearer,
      summary:
        "Per lane: waiting, delayed, active, completed, failed, cancelled; throughput, failure rate, p50 and p95 run time (last hour); whether the organisation's jobs are held, and by whom",
      request: { query: statsQuery },
      responses: {
        200: json(z.object({ lanes: z.array(laneStatsSchema), windowMinutes: z.number(), at: z.string() }), "Lane statistics"),
        ...pick(401, 403, 429),
      },
    }),
    async (c) => {
      const { windowMinutes } = c.req.valid("query");
      return c.json(
        {
          lanes: await queueStats(c.get("db"), { orgId: currentUser(c).orgId }, windowMinutes),
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
      path: "/jobs",
      tags: ["admin"],
      security: bearer,
      summary: "The organisation's jobs, filtered by status, kind, lane, owner and text, newest first",
      request: { query: listQuery },
      responses: {
        200: json(z.object({ items: z.array(adminJobSchema), nextBefore: z.string().nullable() }), "Jobs"),
        ...pick(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const rows = await searchJobs(c.get("db"), { orgId: currentUser(c).orgId }, jobFilter(query));
      return c.json(jobPage(rows, query.limit, adminJobView), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/jobs/{id}",
      tags: ["admin"],
      security: bearer,
      summary: "A job with its payload, every attempt with its error, and its progress history",
      request: { params: idParam },
      responses: { 200: json(jobDetailSchema, "The job"), ...pick(401, 403, 404, 429) },
    }),
    async (c) => {
      const row = await jobWithEvents(c.get("db"), { orgId: currentUser(c).orgId }, c.req.valid("param").id);
      if (!row) throw notFound("job");
      return c.json(jobDetailView(row), 200);
    },
  );
