/**
 * Course exports: ask for a PDF, Markdown or JSON export of a course (a job),
 * follow it, and download the file through a signed, expiring link that
 * needs no token, so it works as a plain link in a browser or a mail.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { assertStartsWork, jobErrorSchema, jobStatusValues, notFound, ProblemError } from "@studyhall/core";
import {
  assertCanEdit,
  type CourseExport,
  canEditCourse,
  courseExports,
  courses,
  enqueue,
  exportFormats,
  holdsOwnerPowers,
  type Job,
  jobs,
  laneQueues,
} from "@studyhall/db";
import { and, eq } from "drizzle-orm";
import { downloadLink, exportUrlSecret, verifyDownload } from "../export-links.ts";
import { currentUser } from "../middleware/auth.ts";
import { idempotent } from "../middleware/idempotency.ts";
import { rateLimit } from "../middleware/rate-limit.ts";
import { jobSchema, jobView } from "./job-views.ts";
import { visibleCourse } from "./lessons.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "./openapi.ts";
import { iso } from "./views.ts";

const exportSchema = z
  .object({
    id: z.string(),
    courseId: z.string(),
    format: z.enum(exportFormats),
    status: z.enum(jobStatusValues),
    progress: z.number().int(),
    stage: z.string(),
    error: jobErrorSchema.nullable(),
    bytes: z.number().int().nullable(),
    pages: z.number().int().nullable(),
    createdAt: z.string(),
    download: z.object({ url: z.string(), expiresAt: z.string() }).nullable(),
    links: z.object({ self: z.string(), job: z.string() }),
  })
  .openapi("CourseExport");

const CONTENT = {
  pdf: { type: "application/pdf", extension: "pdf" },
  markdown: { type: "text/markdown; charset=utf-8", extension: "md" },
  json: { type: "application/json; charset=utf-8", extension: "json" },
} as const;

function exportView(
  row: CourseExport,
  job: Job | undefined,
  download: { url: string; expiresAt: string } | null,
): z.infer<typeof exportSchema> {
  return {
    id: row.id,
    courseId: row.courseId,
    format: row.format,
    // The job is the truth about progress; a job gone from D1 cannot finish any more.
    status: job?.status ?? "failed",
    progress: job?.progress ?? 0,
    stage: job?.stage ?? "unknown",
    error: (job?.error as z.infer<typeof jobErrorSchema> | null) ?? null,
    bytes: row.r2Key ? row.bytes : null,
    pages: row.r2Key ? row.pages : null,
    createdAt: iso(row.createdAt)!,
    download,
    links: { self: `/v1/exports/${row.id}`, job: `/v1/jobs/${row.jobId}` },
  };
}

/** `POST /v1/courses/{id}/exports`, mounted under /v1/courses. */
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
    const course = await visibleCourse(db, me, c.req.valid("param").id);
    assertCanEdit(me, course);
    assertStartsWork(me);
    if (course.status === "GENERATING")
      throw new ProblemError("conflict", { detail: "The course is still being generated; export it once it is ready." });
    const { format } = c.req.valid("json");
    const exportId = crypto.randomUUID();
    const jobId = crypto.randomUUID();
    const job = await enqueue(
      db,
      laneQueues(c.env),
      {
        id: jobId,
        orgId: me.orgId,
        ownerId: me.id,
        kind: "export-course",
        lane: "normal",
        payload: { exportId, courseId: course.id, format },
        maxAttempts: c.get("config").JOB_MAX_RETRIES + 1,
      },
      {
        alongside: [db.insert(courseExports).values({ id: exportId, orgId: me.orgId, ownerId: me.id, courseId: course.id, format, jobId })],
        waitUntil: (p) => c.executionCtx.waitUntil(p),
      },
    );
    const row = await db.query.courseExports.findFirst({ where: eq(courseExports.id, exportId) });
    return c.json(
      {
        export: exportView(row!, job, null),
        job: jobView(job),
        links: { status: `/v1/exports/${exportId}`, progress: `/v1/jobs/${jobId}/events` },
      },
      202,
      { Location: `/v1/exports/${exportId}` },
    );
  },
);

const downloadQuery = z.object({ expires: z.string().max(20).optional(), sig: z.string().max(200).optional() });

/** A link that does not verify; tampered and expired links look the same from outside. */
const badLink = (detail: string) => new ProblemError("forbidden", { detail });

/** `GET /v1/exports/{id}` and its download, mounted under /v1/exports. */
export const exportRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags: ["exports"],
      security: bearer,
      summary: "An export's status and, once done, a signed download link valid for 15 minutes",
      request: { params: idParam },
      responses: { 200: json(exportSchema, "The export"), ...pick(401, 403, 404, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const row = await db.query.courseExports.findFirst({
        where: and(eq(courseExports.id, c.req.valid("param").id), eq(courseExports.orgId, me.orgId)),
      });
      if (!row) throw notFound("export");
      // Whoever asked keeps it only while they teach: an export holds the answer key.
      if (me.role !== "admin" && !holdsOwnerPowers(me, row.ownerId)) {
        const course = await db.query.courses.findFirst({ where: eq(courses.id, row.courseId) });
        if (!course || !canEditCourse(me, course))
          throw new ProblemError("forbidden", { detail: "Only whoever asked for the export, the course's owner or an admin can see it." });
      }
      const job = await db.query.jobs.findFirst({ where: eq(jobs.id, row.jobId) });
      const ready = job?.status === "completed" && row.r2Key;
      const download = ready
        ? await downloadLink(exportUrlSecret(c.env), new URL(`/v1/exports/${row.id}/download`, c.req.url).toString(), row.r2Key!)
        : null;
      return c.json(exportView(row, job, download), 200, { "Cache-Control": "private, no-store" });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/download",
      tags: ["exports"],
      // Rate-limited per client address: the link is the credential, so there is no user to count against.
      middleware: [rateLimit("api")] as const,
      summary: "Download an export's file through its signed link (no token needed; a tampered or expired link is 403)",
      request: { params: idParam, query: downloadQuery },
      responses: {
        200: {
          description: "The file",
          content: {
            "application/pdf": { schema: z.any() },
            "text/markdown": { schema: z.string() },
            "application/json": { schema: z.any() },
          },
        },
        ...pick(403, 404, 429),
      },
    }),
    async (c) => {
      const db = c.get("db");
      const { expires, sig } = c.req.valid("query");
      const row = await db.query.courseExports.findFirst({ where: eq(courseExports.id, c.req.valid("param").id) });
      // An unknown export, or one not finished, cannot have a valid link: answer as for a bad signature.
      if (!row?.r2Key) throw badLink("This download link is not valid.");
      const check = await verifyDownload(exportUrlSecret(c.env), row.r2Key, expires, sig);
      if (check === "expired") throw badLink("This download link has expired; ask for the export again to get a new one.");
      if (check !== "valid") throw badLink("This download link is not valid.");
      const object = await c.env.FILES.get(row.r2Key);
      if (!object) throw notFound("export file");
      const course = await db.query.courses.findFirst({ where: eq(courses.id, row.courseId) });
      const { type, extension } = CONTENT[row.format];
      return c.body(object.body, 200, {
        "Content-Type": type,
        "Content-Length": String(object.size),
        "Content-Disposition": contentDisposition(course?.title ?? "course", extension),
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        ETag: object.httpEtag,
      });
    },
  );

/** `attachment` with an ASCII fallback name and the real (UTF-8) one, per RFC 6266. */
export function contentDisposition(title: string, extension: string): string {
  const base = title.normalize("NFKC").trim().slice(0, 120) || "course";
  const ascii = base.replace(/[^\w.-]+/g, "-").replace(/^-+|-+$/g, "") || "course";
  return `attachment; filename="${ascii}.${extension}"; filename*=UTF-8''${encodeURIComponent(`${base}.${extension}`)}`;
}
