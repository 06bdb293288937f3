/**
 * The dead-letter consumer: a message lands here when its job failed for good
 * or when the queue gave up delivering it (its consumer kept crashing). Either
 * way the job must end visibly failed.
 */
import type { JobMessage } from "@studyhall/core";
import { type Db, failJob, jobEvent } from "@studyhall/db";
import { type RunnerDeps, settle } from "./runner.ts";

export async function recordDeadLetter(db: Db, handlers: RunnerDeps["handlers"], message: JobMessage, deliveries: number): Promise<void> {
  const job = await db.query.jobs.findFirst({ where: (j, { eq }) => eq(j.id, message.jobId) });
  if (!job) return;
  if (job.status === "queued" || job.status === "active") {
    const failed = await failJob(db, job.id, null, {
      type: "/problems/job-dead-lettered",
      title: "The job's message could not be delivered",
      detail: `The queue gave up on this job after ${deliveries} deliveries.`,
      retryable: false,
    });
    await settle(handlers, db, failed);
  }
  await jobEvent(db, job.id, "dead-lettered", { attempt: job.attempts });
}
