/**
 * What a job's live subscribers receive, over WebSocket or Server-Sent
 * Events: the job exactly as `GET /v1/jobs/{id}` shows it after each change,
 * then an end marker once it has finished. One schema for the channel, the
 * API and any client, so the three never drift apart.
 */
import { z } from "zod";
import { jobErrorSchema, jobStatusValues, lanes } from "./job-contract.ts";

export const jobViewSchema = z.object({
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
});
export type JobView = z.infer<typeof jobViewSchema>;

/** The statuses after which nothing more happens to a job (until someone retries it). */
export const finishedJobStatuses: ReadonlySet<string> = new Set(["completed", "failed", "cancelled"]);

/**
 * A job's state as the channel holds it: the view, and when the row it came
 * from was last written (ms), so an older copy never replaces a newer one.
 */
export const jobSnapshotSchema = z.object({ view: jobViewSchema, updatedAt: z.number().int().min(0) });
export type JobSnapshot = z.infer<typeof jobSnapshotSchema>;

/**
 * Frames the channel sends on a WebSocket (JSON text). Over SSE the same
 * content travels as `event: progress` (data: the job) and `event: end`
 * (data: `{ status }`).
 */
export const jobChannelFrameSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("progress"), job: jobViewSchema }),
  z.object({ type: z.literal("end"), status: z.enum(jobStatusValues) }),
  z.object({ type: z.literal("pong") }),
  z.object({ type: z.literal("error"), detail: z.string() }),
]);
export type JobChannelFrame = z.infer<typeof jobChannelFrameSchema>;

/** The only frame a subscriber may send (besides the bare "ping" text the object answers without waking). */
export const jobChannelClientFrameSchema = z.object({ type: z.literal("ping") });

/** The validated shape of a consumer's progress update (see `JobProgressUpdate`). */
export const jobProgressUpdateSchema = z.object({
  jobId: z.string().min(1).max(64),
  ownerId: z.string().min(1).max(64),
  kind: z.string().min(1).max(64),
  status: z.enum(jobStatusValues),
  progress: z.number().min(0).max(100),
  stage: z.string().max(500),
  attempts: z.number().int().min(0),
  error: jobErrorSchema.nullable().optional(),
  result: z.unknown().optional(),
  at: z.number().int().min(0),
});
