/**
 * The lanes' queues: sending a job's message, noting that it went, and finding
 * the jobs whose message must be sent again. A job is one row written before
 * its message is sent (job-enqueue.ts); if the send fails, the row is still
 * there and the sweep sends it later, so an accepted job is never lost.
 */

import type { JobMessage } from "@studyhall/core";
import { and, eq, isNull, lt, lte, or, type SQL } from "drizzle-orm";
import type { Db } from "./index.ts";
import { markSent } from "./job-lifecycle.ts";
import { laneOpen } from "./lane-state.ts";
import { type Job, jobs } from "./tables.ts";

/** The three priority lanes' producers. */
export interface LaneQueues {
  high: Queue<JobMessage>;
  normal: Queue<JobMessage>;
  low: Queue<JobMessage>;
}

/** The lane queues of a worker's bindings. */
export function laneQueues(env: { JOBS_HIGH: Queue; JOBS_NORMAL: Queue; JOBS_LOW: Queue }): LaneQueues {
  return { high: env.JOBS_HIGH as Queue<JobMessage>, normal: env.JOBS_NORMAL as Queue<JobMessage>, low: env.JOBS_LOW as Queue<JobMessage> };
}

/**
 * Sends a job's message on its lane. Returns false instead of throwing when
 * the queue refuses: the job row stays queued and unsent, and the sweep retries.
 */
export async function sendJob(queues: LaneQueues, job: Pick<Job, "id" | "kind" | "lane">, delaySeconds = 0): Promise<boolean> {
  try {
    await queues[job.lane].send(
      { jobId: job.id, kind: job.kind },
      delaySeconds > 0 ? { delaySeconds: Math.min(Math.ceil(delaySeconds), 43_200) } : undefined,
    );
    return true;
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: "queue send failed; the sweep will resend", jobId: job.id, error: String(error) }));
    return false;
  }
}

/** Most messages a queue takes in one `sendBatch`. */
const SEND_BATCH = 100;

/**
 * Sends many jobs' messages, a `sendBatch` per lane and hundred, and returns the ids that reached their
 * queue. A refused batch is logged and left out: its jobs stay as they were, for the sweep.
 */
export async function sendJobs(queues: LaneQueues, batch: Pick<Job, "id" | "kind" | "lane">[]): Promise<string[]> {
  const sent: string[] = [];
  for (const lane of ["high", "normal", "low"] as const) {
    const ofLane = batch.filter((job) => job.lane === lane);
    for (let start = 0; start < ofLane.length; start += SEND_BATCH) {
      const chunk = ofLane.slice(start, start + SEND_BATCH);
      try {
        await queues[lane].sendBatch(chunk.map((job) => ({ body: { jobId: job.id, kind: job.kind } })));
        sent.push(...chunk.map((job) => job.id));
      } catch (error) {
        console.error(
          JSON.stringify({
            level: "error",
            msg: "queue batch send failed; the sweep will resend",
            count: chunk.length,
            error: String(error),
          }),
        );
      }
    }
  }
  return sent;
}

export interface SendOptions {
  /**
   * Runs noting the send off the response path (a request's `waitUntil`); awaited without it. It takes the
   * work itself, not its promise, so the work starts inside `waitUntil`:
   * `defer: (work) => c.executionCtx.waitUntil(work())`.
   */
  defer?: (work: () => Promise<unknown>) => void;
}

/**
 * Sends a job and notes that it was sent, so the sweep leaves it alone. Neither step throws: a refused send
 * leaves the job unsent for the sweep, and a note that fails only means the sweep sends it once more, which
 * is harmless (one consumer claims it).
 */
export async function sendAndMark(
  db: Db,
  queues: LaneQueues,
  job: Pick<Job, "id" | "kind" | "lane">,
  options: SendOptions = {},
): Promise<boolean> {
  const sent = await sendJob(queues, job);
  if (!sent) return false;
  const note = () =>
    markSent(db, [job.id]).catch((error: unknown) => {
      console.error(
        JSON.stringify({
          level: "error",
          msg: "noting a sent job failed; the sweep will send it again",
          jobId: job.id,
          error: String(error),
        }),
      );
    });
  if (options.defer) options.defer(note);
  else await note();
  return true;
}

export interface SweepLimits {
  /** A queued job never sent after this long was written but its send failed. */
  unsentAfterMs: number;
  /** A queued job sent this long ago and not taken has lost its message. */
  staleAfterMs: number;
  /**
   * A queued job sent before this instant lost its message: set only where the queue kept its messages in
   * memory and has restarted since (job-sweep.ts).
   */
  lostBefore?: number;
}

/**
 * Jobs whose message must be sent again: never sent, lost (stale, or sent before the queue restarted), or held
 * by a consumer that died (lease expired).
 * A held lane's jobs wait for its resume: a message that found the lane paused was acknowledged and its job
 * parked (`parkHeld`), and the resume's wake-up sends it; once the lane is open, a parked job the wake-up
 * missed is unsent, and this finds it.
 */
export async function jobsToResend(db: Db, limits: SweepLimits, now = Date.now(), limit = 200): Promise<Job[]> {
  const unsent: SQL = and(eq(jobs.status, "queued"), isNull(jobs.sentAt), lte(jobs.createdAt, new Date(now - limits.unsentAfterMs)))!;
  const stale: SQL = and(
    eq(jobs.status, "queued"),
    lte(jobs.sentAt, new Date(now - limits.staleAfterMs)),
    or(isNull(jobs.runAfter), lte(jobs.runAfter, new Date(now - limits.staleAfterMs))),
  )!;
  const abandoned: SQL = and(eq(jobs.status, "active"), lte(jobs.leaseExpiresAt, new Date(now)))!;
  const lost = limits.lostBefore === undefined ? undefined : and(eq(jobs.status, "queued"), lt(jobs.sentAt, new Date(limits.lostBefore)));
  return db
    .select()
    .from(jobs)
    .where(and(or(unsent, stale, abandoned, lost), laneOpen()))
    .limit(limit);
}
