/**
 * What the owner's job routes and the admin dashboard both do to jobs: cancel
 * one, put failed ones back on their lanes. Which failed jobs may go back, and
 * what they reserve first, is packages/db's job-retry.ts.
 */
import { type Config, ProblemError } from "@studyhall/core";
import {
  type Db,
  type Job,
  laneQueues,
  type Requeued,
  releaseReservations,
  requestCancel,
  requeueJobs as requeue,
  requeueOne,
} from "@studyhall/db";

/** Cancels a queued job, or asks an active one to stop; a finished job is a 409. */
export async function cancelOrConflict(db: Db, job: Job): Promise<Job> {
  const updated = await requestCancel(db, job.id);
  if (!updated) throw new ProblemError("conflict", { detail: `The job is already ${job.status}.` });
  // A queued job ends here, never reaching a consumer: what it reserved goes back now. An active one releases when it stops.
  if (updated.status === "cancelled") await releaseReservations(db, job.id);
  return updated;
}

/** Gives failed jobs fresh attempts and sends them; those that cannot succeed now or do not fit their owner's quota stay failed. */
export async function requeueJobs(
  db: Db,
  config: Config,
  env: ApiEnv,
  waitUntil: (p: Promise<unknown>) => void,
  candidates: Job[],
): Promise<Requeued> {
  return requeue(db, config, laneQueues(env), candidates, { waitUntil });
}

/** Requeues one failed job; anything else, or a permanent failure, is a 409, and a job its owner's quota cannot cover is a 429. */
export async function requeueOrConflict(
  db: Db,
  config: Config,
  env: ApiEnv,
  waitUntil: (p: Promise<unknown>) => void,
  job: Job,
): Promise<Job> {
  return requeueOne(db, config, laneQueues(env), job, { waitUntil });
}

/** What a bulk retry answers: the jobs that went back, and those left failed with why. */
export const bulkRetryAnswer = ({ requeued, quotaExceeded, failedPermanently }: Requeued) => ({
  count: requeued.length,
  jobIds: requeued.map((j) => j.id),
  quotaExceeded: quotaExceeded.map((r) => r.job.id),
  failedPermanently: failedPermanently.map((r) => r.job.id),
});
