/**
 * Telling a job's channel that its row changed, from either worker. The row in
 * D1 is the truth and the channel reads it while anyone watches, so a publish
 * only spares subscribers the wait for the channel's own re-read: one that
 * cannot be made is logged, never thrown at the caller whose change is already
 * committed.
 */
import type { JobProgressUpdate, ProgressPublisher } from "@studyhall/core";
import type { Job } from "@studyhall/db";
import { type ObjectBindings, objects } from "./bindings.ts";

/**
 * A job row as its channel's update.
 * @example await publisher.publish(jobUpdate(failed));
 */
export function jobUpdate(job: Job, at = Date.now()): JobProgressUpdate {
  return {
    jobId: job.id,
    ownerId: job.ownerId,
    kind: job.kind,
    status: job.status,
    progress: job.progress,
    stage: job.stage,
    attempts: job.attempts,
    error: job.error ?? null,
    result: job.result,
    at,
  };
}

/** Publishes to each job's `JobChannel` Durable Object. */
export function jobChannelPublisher(env: ObjectBindings): ProgressPublisher {
  return {
    async publish(update) {
      await objects(env).jobChannel.getByName(update.jobId).publish(update);
    },
  };
}

/**
 * Announces jobs that changed outside a consumer (cancelled by the API, say), each to its channel; never throws.
 * @example c.executionCtx.waitUntil(announceJobs(c.env, [cancelled]));
 */
export async function announceJobs(env: ObjectBindings, changed: (Job | undefined)[]): Promise<void> {
  const publisher = jobChannelPublisher(env);
  await Promise.all(
    changed.map(async (job) => {
      if (!job) return;
      try {
        await publisher.publish(jobUpdate(job));
      } catch (error) {
        console.error(JSON.stringify({ level: "error", msg: "job channel publish failed", jobId: job.id, error: String(error) }));
      }
    }),
  );
}
