/** How jobs are shown to clients, with links to follow them. */
import { z } from "@hono/zod-openapi";
import { jobKinds, jobViewSchema } from "@studyhall/core";
import type { Requeued } from "@studyhall/db";
import { type Job, jobViewOf } from "@studyhall/db";

/** The job as every client sees it: the same schema the live channel streams. */
export const jobSchema = jobViewSchema.openapi("Job");

export const jobKindSchema = z.enum(jobKinds);

/** The client's view of a job: one definition, shared with the live channel so a stream's last event equals a poll. */
export const jobView = (job: Job) => jobViewOf(job);

/** What a bulk retry answers: the jobs that went back, and those left failed with why. */
export const bulkRetryAnswer = ({ requeued, quotaExceeded, failedPermanently }: Requeued) => ({
  count: requeued.length,
  jobIds: requeued.map((j) => j.id),
  quotaExceeded: quotaExceeded.map((r) => r.job.id),
  failedPermanently: failedPermanently.map((r) => r.job.id),
});
