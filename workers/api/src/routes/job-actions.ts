/**
 * What the owner's job routes and the admin dashboard both do to jobs: cancel
 * one, put failed ones back on their lanes. A failed job that calls the LLM
 * reserves its tokens from its owner's quota before it goes back, so running
 * work again is bounded like accepting it the first time.
 */
import { type Config, ProblemError } from "@studyhall/core";
import {
  type Db,
  type Job,
  jobTokenEstimate,
  laneQueues,
  markSent,
  releaseReservation,
  releaseReservations,
  requestCancel,
  requeueFailed,
  reserveTokens,
  sendJob,
  spenderOf,
  type TokenReservation,
} from "@studyhall/db";

/** Cancels a queued job, or asks an active one to stop; a finished job is a 409. */
export async function cancelOrConflict(db: Db, job: Job): Promise<Job> {
  const updated = await requestCancel(db, job.id);
  if (!updated) throw new ProblemError("conflict", { detail: `The job is already ${job.status}.` });
  // A queued job ends here, never reaching a consumer: what it reserved goes back now. An active one releases when it stops.
  if (updated.status === "cancelled") await releaseReservations(db, job.id);
  return updated;
}

/** Reserves what running `job` again may spend, from its owner's quota; null when it spends nothing. */
async function reserveForRetry(db: Db, config: Config, job: Job): Promise<TokenReservation | null> {
  const amount = await jobTokenEstimate(db, job);
  if (amount === null) return null;
  const owner = await spenderOf(db, job.ownerId);
  if (!owner) throw new ProblemError("conflict", { detail: "The job's owner no longer has an account; it cannot run again." });
  return reserveTokens(db, config, owner, { amount, jobId: job.id });
}

export interface Requeued {
  requeued: Job[];
  /** Failed jobs left failed because their owner's quota cannot cover them, each with the problem. */
  refused: { job: Job; problem: ProblemError }[];
}

/** Gives failed jobs fresh attempts and sends them; returns those that went back (others were not failed, or do not fit their owner's quota). */
export async function requeueJobs(
  db: Db,
  config: Config,
  env: ApiEnv,
  waitUntil: (p: Promise<unknown>) => void,
  candidates: Job[],
): Promise<Requeued> {
  const requeued: Job[] = [];
  const refused: Requeued["refused"] = [];
  for (const job of candidates) {
    if (job.status !== "failed") continue;
    let reservation: TokenReservation | null;
    try {
      reservation = await reserveForRetry(db, config, job);
    } catch (error) {
      if (error instanceof ProblemError && error.type === "quota-exceeded") {
        refused.push({ job, problem: error });
        continue;
      }
      throw error;
    }
    const row = await requeueFailed(db, job.id);
    if (row) requeued.push(row);
    else if (reservation) await releaseReservation(db, reservation.id);
  }
  const sent: string[] = [];
  for (const job of requeued) if (await sendJob(laneQueues(env), job)) sent.push(job.id);
  // Noting the send is off the response path; the sweep covers a send that never happened.
  waitUntil(markSent(db, sent));
  return { requeued, refused };
}

/** Requeues one failed job; anything else is a 409, and a job its owner's quota cannot cover is a 429. */
export async function requeueOrConflict(
  db: Db,
  config: Config,
  env: ApiEnv,
  waitUntil: (p: Promise<unknown>) => void,
  job: Job,
): Promise<Job> {
  const { requeued, refused } = await requeueJobs(db, config, env, waitUntil, [job]);
  if (refused[0]) throw refused[0].problem;
  if (!requeued[0]) throw new ProblemError("conflict", { detail: `Only a failed job can be retried; this one is ${job.status}.` });
  return requeued[0];
}
