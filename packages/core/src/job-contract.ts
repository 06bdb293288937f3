/**
 * What clients see of a job, and the one small interface through which
 * consumers publish each progress change (recorded in D1 now; live sessions
 * fan it out through a Durable Object).
 */
import { z } from "zod";

export const lanes = ["high", "normal", "low"] as const;
export type Lane = (typeof lanes)[number];
export const jobStatusValues = ["queued", "active", "completed", "failed", "cancelled"] as const;

export const jobErrorSchema = z.object({
  type: z.string(),
  title: z.string(),
  detail: z.string().optional(),
  retryable: z.boolean(),
});
export type JobError = z.infer<typeof jobErrorSchema>;

export interface JobProgressUpdate {
  jobId: string;
  ownerId: string;
  kind: string;
  status: (typeof jobStatusValues)[number];
  progress: number;
  stage: string;
  attempts: number;
  error?: JobError | null;
  result?: unknown;
  at: number;
}

/** Where consumers announce progress; every implementation must tolerate being called often. */
export interface ProgressPublisher {
  publish(update: JobProgressUpdate): Promise<void>;
}

/** A publisher that announces nothing: progress is still recorded in the job row. */
export const silentPublisher: ProgressPublisher = { publish: async () => {} };
