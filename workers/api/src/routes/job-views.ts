/** How jobs are shown to clients, with links to follow them. */
import { z } from "@hono/zod-openapi";
import { jobErrorSchema, jobKinds, jobStatusValues, lanes } from "@studyhall/core";
import { jobViewOf, type Job } from "@studyhall/db";

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

/** The client's view of a job: one definition, shared with the live channel so a stream's last event equals a poll. */
export const jobView = (job: Job) => jobViewOf(job);
