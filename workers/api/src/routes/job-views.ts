/** How jobs are shown to clients, with links to follow them. */
import { z } from "@hono/zod-openapi";
import { jobErrorSchema, jobKinds, jobStatusValues, lanes } from "@studyhall/core";
import type { Job } from "@studyhall/db";
import { iso } from "./views";

export const jobSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    status: z.enum(jobStatusValues),
    lane: z.enum(lanes),
    progress: z.number().int(),
    stage: z.string(),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    error: jobErrorSchema.nullable(),
    result: z.unknown().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    runAfter: z.string().nullable(),
    links: z.object({ self: z.string(), events: z.string(), result: z.string().nullable() }),
  })
  .openapi("Job");

export const jobKindSchema = z.enum(jobKinds);

function resultLink(job: Job): string | null {
  const result = job.result as { courseId?: string; documentId?: string } | null;
  if (job.status !== "completed" || !result) return null;
  if (result.courseId) return `/v1/courses/${result.courseId}`;
  if (result.documentId) return `/v1/documents/${result.documentId}`;
  return null;
}

export function jobView(job: Job) {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    lane: job.lane,
    progress: job.progress,
    stage: job.stage,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    error: (job.error as z.infer<typeof jobErrorSchema> | null) ?? null,
    result: job.result ?? null,
    createdAt: iso(job.createdAt)!,
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    runAfter: iso(job.runAfter),
    links: { self: `/v1/jobs/${job.id}`, events: `/v1/jobs/${job.id}/events`, result: resultLink(job) },
  };
}
