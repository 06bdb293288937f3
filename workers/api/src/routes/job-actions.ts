/** What the owner's job routes and the admin dashboard both do to jobs: cancel one, put failed ones back on their lanes. */
import { ProblemError } from "@studyhall/core";
import { laneQueues, markSent, requestCancel, requeueFailed, sendJob, type Db, type Job } from "@studyhall/db";

/** Cancels a queued job, or asks an active one to stop; a finished job is a 409. */
export async function cancelOrConflict(db: Db, job: Job): Promise<Job> {
  const updated = await requestCancel(db, job.id);
  if (!updated) throw new ProblemError("conflict", { detail: `The job is already ${job.status}.` });
  return updated;
}

/** Gives failed jobs fresh attempts and sends them; returns those that went back (others were not failed). */
export async function requeueJobs(db: Db, env: ApiEnv, waitUntil: (p: Promise<unknown>) => void, candidates: Job[]): Promise<Job[]> {
  const requeued: Job[] = [];
  for (const job of candidates) {
    const row = await requeueFailed(db, job.id);
    if (row) requeued.push(row);
  }
  const sent: string[] = [];
  for (const job of requeued) if (await sendJob(laneQueues(env), job)) sent.push(job.id);
  // Noting the send is off the response path; the sweep covers a send that never happened.
  waitUntil(markSent(db, sent));
  return requeued;
}

/** Requeues one failed job; anything else is a 409. */
export async function requeueOrConflict(db: Db, env: ApiEnv, waitUntil: (p: Promise<unknown>) => void, job: Job): Promise<Job> {
  const [requeued] = await requeueJobs(db, env, waitUntil, [job]);
  if (!requeued) throw new ProblemError("conflict", { detail: `Only a failed job can be retried; this one is ${job.status}.` });
  return requeued;
}
