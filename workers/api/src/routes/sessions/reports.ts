/**
 * Tutoring-session reports: asking for one (the teacher who opened the
 * session, or an admin; a `session-report` job writes it), reading it, and
 * where it is. The rules, one report per session included, are in
 * packages/db (session-report-store.ts).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { sessionReportSchema } from "@studyhall/core";
import { laneQueues, requestSessionReport, sessionReportOf, sessionReportStatus } from "@studyhall/db";
import { deferTo } from "../../defer.ts";
import { currentUser } from "../../middleware/auth.ts";
import { idempotent } from "../../middleware/idempotency.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { jobSchema, jobView } from "../job-views.ts";
import { bearer, idParam, json, newRouter, pick } from "../openapi.ts";
import { iso } from "../views.ts";

const storedReportSchema = sessionReportSchema
  .extend({ sessionId: z.string(), jobId: z.string(), completedAt: z.string().nullable() })
  .openapi("SessionReport");

const reportStatusSchema = z
  .object({ status: z.enum(["waiting", "active", "completed", "failed"]), progress: z.number().int(), jobId: z.string() })
  .openapi("SessionReportStatus");

export const reportRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/report",
      tags: ["sessions"],
      security: bearer,
      middleware: [rateLimit("jobs"), idempotent()] as const,
      summary:
        "Write the report of a tutoring session (the teacher who opened it, or an admin): 202 and its job; while one is being written, that job",
      request: { params: idParam },
      responses: { 202: json(jobSchema, "The job writing the report"), ...pick(401, 403, 404, 409, 422, 429) },
    }),
    async (c) => {
      const job = await requestSessionReport(c.get("db"), laneQueues(c.env), c.get("config"), currentUser(c), c.req.valid("param").id, {
        defer: deferTo(c),
      });
      return c.json(jobView(job), 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/report",
      tags: ["sessions"],
      security: bearer,
      summary:
        "A tutoring session's report: topics, what the student understood, gaps and lessons to take next, each with quotes from the transcript",
      request: { params: idParam },
      responses: { 200: json(storedReportSchema, "The report"), ...pick(401, 404, 429) },
    }),
    async (c) => {
      const { report, sessionId, jobId, completedAt } = await sessionReportOf(c.get("db"), currentUser(c), c.req.valid("param").id);
      return c.json({ ...report, sessionId, jobId, completedAt: iso(completedAt) }, 200, { "Cache-Control": "no-store" });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/report/status",
      tags: ["sessions"],
      security: bearer,
      summary: "Where the report is: waiting (queued), active, completed or failed, with the job's progress",
      request: { params: idParam },
      responses: { 200: json(reportStatusSchema, "The report's status"), ...pick(401, 404, 429) },
    }),
    async (c) =>
      c.json(await sessionReportStatus(c.get("db"), currentUser(c), c.req.valid("param").id), 200, { "Cache-Control": "no-store" }),
  );
