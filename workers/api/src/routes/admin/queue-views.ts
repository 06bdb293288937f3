/**
 * How the queue dashboards show lanes and jobs, shared by an organisation's
 * dashboard (routes/admin/) and the platform's (routes/platform/): the
 * schemas, the job list's query, and the views.
 */
import { z } from "@hono/zod-openapi";
import { jobStatusValues, lanes, retryConditionOf, retryConditions } from "@studyhall/core";
import type { JobEvent, JobFilter, JobListing } from "@studyhall/db";
import { jobKindSchema, jobSchema, jobView } from "../job-views.ts";
import { iso } from "../views.ts";

export const laneStatsSchema = z
  .object({
    lane: z.enum(lanes),
    paused: z.boolean().describe("whether the caller's jobs of this lane are held now"),
    pausedBy: z.enum(["organisation", "platform"]).nullable().describe("which switch holds them: the platform's wins"),
    waiting: z.number(),
    delayed: z.number(),
    active: z.number(),
    completed: z.number(),
    failed: z.number(),
    cancelled: z.number(),
    throughputPerMinute: z.number(),
    failureRate: z.number(),
    p50Seconds: z.number().nullable(),
    p95Seconds: z.number().nullable(),
  })
  .openapi("LaneStats");

/** What a lane switch route answers: the lane as the caller now sees it. */
export const laneStateSchema = z
  .object({ lane: z.enum(lanes), paused: z.boolean(), pausedBy: z.enum(["organisation", "platform"]).nullable() })
  .openapi("LaneState");

export const laneActionParams = z.object({ lane: z.enum(lanes), action: z.enum(["pause", "resume"]) });

export const adminJobSchema = jobSchema
  .extend({ owner: z.object({ id: z.string(), email: z.string(), name: z.string() }), title: z.string().nullable() })
  .openapi("AdminJob");

export const jobDetailSchema = adminJobSchema.extend({
  payload: z.unknown(),
  events: z.array(
    z.object({
      type: z.string(),
      attempt: z.number(),
      progress: z.number().nullable(),
      stage: z.string().nullable(),
      error: z.unknown().nullable(),
      at: z.string(),
    }),
  ),
  retryWhen: z.enum(retryConditions).nullable().openapi({
    description: "For a failed job, what must hold before running it again can succeed; `never`: it would fail the same way",
  }),
  attemptsLog: z.array(
    z.object({
      attempt: z.number(),
      startedAt: z.string(),
      endedAt: z.string().nullable(),
      outcome: z.string(),
      error: z.unknown().nullable(),
    }),
  ),
});

export const bulkResult = z.object({ count: z.number().int(), jobIds: z.array(z.string()) }).openapi("BulkResult");
export const retryResult = bulkResult
  .extend({
    quotaExceeded: z
      .array(z.string())
      .openapi({ description: "Failed jobs left failed: their owner's monthly LLM quota cannot cover running them again" }),
    failedPermanently: z
      .array(z.string())
      .openapi({ description: "Failed jobs left failed: they failed permanently, and running them again would fail the same way" }),
  })
  .openapi("RetryFailedResult");

export const listQuery = z.object({
  status: z.enum(jobStatusValues).optional(),
  kind: jobKindSchema.optional(),
  lane: z.enum(lanes).optional(),
  owner: z.string().max(254).optional().describe("owner id or email"),
  q: z.string().trim().min(1).max(200).optional().describe("text in the document title, the payload or the error"),
  deadLettered: z.enum(["true", "false"]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().datetime().optional().describe("createdAt of the last job of the previous page"),
});

export const statsQuery = z.object({ windowMinutes: z.coerce.number().int().min(1).max(1440).default(60) });

/** The list query as the package's filter. */
export function jobFilter(query: z.infer<typeof listQuery> & { orgId?: string }): JobFilter {
  return { ...query, deadLettered: query.deadLettered === "true", before: query.before ? new Date(query.before) : undefined };
}

export function adminJobView(row: JobListing) {
  return { ...jobView(row.job), owner: row.owner, title: row.title ?? (row.job.payload as { title?: string } | null)?.title ?? null };
}

/** One page of the list: the rows past `limit` only say that there is a next page. */
export function jobPage<T>(rows: JobListing[], limit: number, view: (row: JobListing) => T) {
  const page = rows.slice(0, limit);
  return { items: page.map(view), nextBefore: rows.length > limit ? iso(page.at(-1)!.job.createdAt) : null };
}

/** A job with its payload, its events and, per attempt, when it ran and how it ended. */
export function jobDetailView(row: JobListing & { events: JobEvent[] }) {
  const { job, events } = row;
  const attemptsLog = events
    .filter((e) => e.type === "started")
    .map((start) => {
      const end = events.find(
        (e) =>
          e.attempt === start.attempt && e.at >= start.at && ["completed", "failed", "retrying", "deferred", "cancelled"].includes(e.type),
      );
      return {
        attempt: start.attempt,
        startedAt: iso(start.at)!,
        endedAt: iso(end?.at),
        outcome: end?.type ?? (job.status === "active" ? "running" : "abandoned"),
        error: end?.error ?? null,
      };
    });
  return {
    ...jobView(job),
    owner: row.owner,
    title: row.title ?? null,
    payload: job.payload,
    events: events.map((e) => ({
      type: e.type,
      attempt: e.attempt,
      progress: e.progress,
      stage: e.stage,
      error: e.error ?? null,
      at: iso(e.at)!,
    })),
    retryWhen: job.status === "failed" ? retryConditionOf(job.error) : null,
    attemptsLog,
  };
}
