/**
 * The dead-letter consumer: a message lands here when its job failed for good
 * or when the queue gave up delivering it (its consumer kept crashing). Either
 * way the job must end visibly failed, and its subscribers hear it at once
 * rather than at their channel's next re-read of the row.
 */
import type { JobMessage, ProgressPublisher } from "@studyhall/core";
import { type Db, failJob, findJob, jobEvent } from "@studyhall/db";
import { jobUpdate } from "@studyhall/objects/bindings";
import { type RunnerDeps, settle } from "./runner.ts";

export async function recordDeadLetter(
  db: Db,
  handlers: RunnerDeps["handlers"],
  publisher: ProgressPublisher,
  message: JobMessage,
  deliveries: number,
): Promise<void> {
  const job = await findJob(db, message.jobId);
  if (!job) return;
  if (job.status === "queued" || job.status === "active") {
    const failed = await failJob(db, job.id, null, {
      type: "/problems/job-dead-lettered",
      title: "The job's message could not be delivered",
      detail: `The queue gave up on this job after ${deliveries} deliveries.`,
      retryable: false,
    });
    await settle(handlers, db, failed);
    if (failed) {
      try {
        await publisher.publish(jobUpdate(failed));
      } catch (error) {
        // The row says failed; the channel's re-read tells its subscribers even without this.
        console.error(JSON.stringify({ level: "error", msg: "progress publish failed", jobId: job.id, error: String(error) }));
      }
    }
  }
  await jobEvent(db, job.id, "dead-lettered", { attempt: job.attempts });
}
