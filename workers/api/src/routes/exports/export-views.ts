/** How an export is shown to clients: its status from its job, its size once written, and links. */
import { z } from "@hono/zod-openapi";
import { jobErrorSchema, jobStatusValues } from "@studyhall/core";
import { type CourseExport, exportFormats, type Job } from "@studyhall/db";
import { iso } from "../views.ts";

export const exportSchema = z
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

export function exportView(
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
    error: job?.error ?? null,
    bytes: row.r2Key ? row.bytes : null,
    pages: row.r2Key ? row.pages : null,
    createdAt: iso(row.createdAt)!,
    download,
    links: { self: `/v1/exports/${row.id}`, job: `/v1/jobs/${row.jobId}` },
  };
}
