/**
 * Creating jobs and putting them on the queues. A job is one row written
 * before its message is sent; if the send fails, the row is still there and
 * the sweep sends it later, so an accepted job is never lost.
 */

import type { JobKind, JobMessage, Lane } from "@studyhall/core";
import { and, eq, isNull, lte, or, type SQL } from "drizzle-orm";
import type { Db } from "./index.ts";
import { laneOpen } from "./lane-state.ts";
import { type Job, jobs } from "./schema/jobs.ts";

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

export interface NewJob {
  id?: string;
  orgId: string;
  ownerId: string;
  kind: JobKind;
  lane: Lane;
  payload: unknown;
  maxAttempts: number;
  idempotencyKey?: string | null;
  requestHash?: string | null;
}

/** The insert for a new queued job, to run alone or inside a batch with the rows it belongs to. */
export function insertJob(db: Db, job: NewJob, now = Date.now()) {
  return db.insert(jobs).values({
    id: job.id ?? crypto.randomUUID(),
    orgId: job.orgId,
    ownerId: job.ownerId,
    kind: job.kind,
    lane: job.lane,
    payload: job.payload,
    maxAttempts: job.maxAttempts,
    idempotencyKey: job.idempotencyKey ?? null,
    requestHash: job.requestHash ?? null,
    status: "queued",
    stage: "queued",
    createdAt: new Date(now),
    updatedAt: new Date(now),
  });
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

/** Sends a job and notes that it was sent, so the sweep leaves it alone. */
export async function sendAndMark(db: Db, queues: LaneQueues, job: Pick<Job, "id" | "kind" | "lane">): Promise<boolean> {
  const sent = await sendJob(queues, job);
  if (sent) await db.update(jobs).set({ sentAt: new Date() }).where(eq(jobs.id, job.id));
  return sent;
}

export interface SweepLimits {
  /** A queued job never sent after this long was written but its send failed. */
  unsentAfterMs: number;
  /** A queued job sent this long ago and not taken has lost its message. */
  staleAfterMs: number;
}

/**
 * Jobs whose message must be sent again: never sent, lost, or held by a consumer that died (lease expired).
 * A held lane's jobs wait for its resume: a message that found the lane paused comes back on its own, and a
 * resend would only add another.
 */
export async function jobsToResend(db: Db, limits: SweepLimits, now = Date.now(), limit = 200): Promise<Job[]> {
  const unsent: SQL = and(eq(jobs.status, "queued"), isNull(jobs.sentAt), lte(jobs.createdAt, new Date(now - limits.unsentAfterMs)))!;
  const stale: SQL = and(
    eq(jobs.status, "queued"),
    lte(jobs.sentAt, new Date(now - limits.staleAfterMs)),
    or(isNull(jobs.runAfter), lte(jobs.runAfter, new Date(now - limits.staleAfterMs))),
  )!;
  const abandoned: SQL = and(eq(jobs.status, "active"), lte(jobs.leaseExpiresAt, new Date(now)))!;
  return db
    .select()
    .from(jobs)
    .where(and(or(unsent, stale, abandoned), laneOpen))
    .limit(limit);
}
