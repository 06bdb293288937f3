/**
 * `POST /v1/courses/{id}/exports`: ask for a PDF, Markdown or JSON export of
 * a course, a job; `/v1/exports` follows it and serves the file.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { exportFormats, laneQueues, requestExport } from "@studyhall/db";
import { deferTo } from "../../defer.ts";
import { currentUser } from "../../middleware/auth.ts";
import { idempotent } from "../../middleware/idempotency.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { exportSchema, exportView } from "../exports/export-views.ts";
import { jobSchema, jobView } from "../job-views.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "../openapi.ts";

export const courseExportRoutes = newRouter().openapi(
  createRoute({
    method: "post",
    path: "/{id}/exports",
    tags: ["exports"],
    security: bearer,
    middleware: [rateLimit("jobs"), idempotent()] as const,
    summary: "Export a course as PDF, Markdown or JSON (its owner or an admin): 202 and a job",
    request: { params: idParam, body: jsonBody(z.object({ format: z.enum(exportFormats) }).openapi("ExportRequest")) },
    responses: {
      202: json(
        z.object({ export: exportSchema, job: jobSchema, links: z.object({ status: z.string(), progress: z.string() }) }),
        "Export queued",
      ),
      ...pick(400, 401, 403, 404, 409, 422, 429),
    },
  }),
  async (c) => {
    const db = c.get("db");
    const me = currentUser(c);
    const { row, job } = await requestExport(
      db,
      laneQueues(c.env),
      me,
      c.req.valid("param").id,
      c.req.valid("json").format,
      { maxAttempts: c.get("config").JOB_MAX_RETRIES + 1 },
      { defer: deferTo(c) },
    );
    const exportId = row.id;
    return c.json(
      {
        export: exportView(row, job, null),
        job: jobView(job),
        links: { status: `/v1/exports/${exportId}`, progress: `/v1/jobs/${job.id}/events` },
      },
      202,
      { Location: `/v1/exports/${exportId}` },
    );
  },
);
