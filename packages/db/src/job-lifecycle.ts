/**
 * A job's life in D1: claim, lease, progress, completion, failure, retry,
 * deferral and cancellation. Every transition is one conditional UPDATE, so
 * redelivered messages and racing consumers can never run or finish a job twice:
 * a consumer holds a lease token and only it may move an active job on.
 */

import type { JobError } from "@studyhall/core";
import { and, eq, inArray, isNull, lte, not, or, sql } from "drizzle-orm";
import type { Db } from "./index.ts";
import { reopenProduct } from "./job-products.ts";
import { laneOpen } from "./lane-state.ts";
import { type Job, type JobEventType, jobEvents, jobs } from "./tables.ts";
import { together } from "./write-together.ts";

export type ClaimOutcome =
  | { claimed: true; job: Job; leaseToken: string }
  | { claimed: false; reason: "missing" | "finished" }
  | { claimed: false; reason: "busy"; retryInMs: number }
  | { claimed: false; reason: "not-yet"; retryInMs: number; lane: Job["lane"] }
  | { claimed: false; reason: "parked"; lane: Job["lane"] }
  | { claimed: false; reason: "cancelled"; job: Job };

const FINISHED = ["completed", "failed", "cancelled"];

export function jobEvent(
  db: Db,
  jobId: string,
  type: JobEventType,
  fields: { attempt?: number; progress?: number; stage?: string; error?: JobError | null; at?: number } = {},
) {
  return db.insert(jobEvents).values({
    jobId,
    type,
    attempt: fields.attempt ?? 0,
    progress: fields.progress ?? null,
    stage: fields.stage ?? null,
    error: fields.error ?? null,
    at: new Date(fields.at ?? Date.now()),
  });
}

/** A job by id, whatever its state; none when it was deleted. */
export function findJob(db: Db, jobId: string): Promise<Job | undefined> {
  return db.query.jobs.findFirst({ where: eq(jobs.id, jobId) });
}

/**
 * What makes a job claimable now, lane aside: queued and due, or active with an expired lease (its
 * consumer died), and no cancellation asked for.
 */
const claimable = (now: number) =>
  and(
    isNull(jobs.cancelRequestedAt),
    or(
      and(eq(jobs.status, "queued"), or(isNull(jobs.runAfter), lte(jobs.runAfter, new Date(now)))),
      and(eq(jobs.status, "active"), lte(jobs.leaseExpiresAt, new Date(now))),
    ),
  );

/**
 * Takes a queued job (or an active one whose lease has expired: its consumer
 * died) and starts an attempt. Only one caller can win, and nobody while a
 * switch (the platform's or the job's organisation's) holds its lane: the
 * switch is part of the same conditional update, so no cached view decides.
 * A job refused only by its lane is parked instead ("parked"): its message is
 * acknowledged and the resume sends it again (see `parkHeld`). On D1 the claim
 * and the park go as one batch, so a delivery costs one round trip whether its
 * lane is open or held; elsewhere the park follows a claim that took nothing.
 */
export async function claimJob(db: Db, jobId: string, leaseMs: number, now = Date.now()): Promise<ClaimOutcome> {
  const leaseToken = crypto.randomUUID();
  const claim = db
    .update(jobs)
    .set({
      status: "active",
      attempts: sql`${jobs.attempts} + 1`,
      leaseToken,
      leaseExpiresAt: new Date(now + leaseMs),
      startedAt: sql`coalesce(${jobs.startedAt}, ${sql.param(new Date(now), jobs.startedAt)})`,
      runAfter: null,
      updatedAt: new Date(now),
    })
    .where(and(eq(jobs.id, jobId), claimable(now), laneOpen()))
    .returning();
  let claimed: Job | undefined;
  let parked: { lane: Job["lane"] } | undefined;
  if (typeof (db as Partial<Db>).batch === "function") {
    // The two conditions exclude each other (an open lane, a held one), and a claimed job is no longer
    // claimable: in one batch, at most one of them takes effect.
    const [claims, parks] = await db.batch([claim, parkStatement(db, jobId, now)]);
    [claimed, parked] = [claims[0], parks[0]];
  } else {
    [claimed] = await claim;
    if (!claimed) [parked] = await parkStatement(db, jobId, now);
  }
  if (claimed) {
    await jobEvent(db, jobId, "started", { attempt: claimed.attempts, progress: claimed.progress, stage: claimed.stage, at: now });
    return { claimed: true, job: claimed, leaseToken };
  }
  if (parked) return { claimed: false, reason: "parked", lane: parked.lane };
  const job = await findJob(db, jobId);
  if (!job) return { claimed: false, reason: "missing" };
  if (FINISHED.includes(job.status)) return { claimed: false, reason: "finished" };
  if (job.cancelRequestedAt) {
    const cancelled = await finishCancelled(db, job, now);
    return cancelled ? { claimed: false, reason: "cancelled", job: cancelled } : { claimed: false, reason: "finished" };
  }
  if (job.status === "active" && (job.leaseExpiresAt?.getTime() ?? 0) > now)
    return { claimed: false, reason: "busy", retryInMs: Math.max(1000, (job.leaseExpiresAt?.getTime() ?? now) - now + 1000) };
  // Not due yet, or due and neither claimed nor parked: its lane changed between the two statements, so ask again soon.
  return { claimed: false, reason: "not-yet", retryInMs: Math.max(1000, (job.runAfter?.getTime() ?? now) - now), lane: job.lane };
}

/**
 * Parks a due job its lane holds: its message is acknowledged and none is sent in its place (`sentAt` is
 * cleared), so a held job costs nothing, however long the hold. It parks only while a switch still holds
 * the lane; none means the lane is open (or the job is not due, or moved on). The resume's wake-up sends
 * parked jobs, and the sweep sends any it missed once the lane is open, as unsent.
 */
export async function parkHeld(db: Db, jobId: string, now = Date.now()): Promise<{ lane: Job["lane"] } | undefined> {
  const [parked] = await parkStatement(db, jobId, now);
  return parked;
}

function parkStatement(db: Db, jobId: string, now: number) {
  return db
    .update(jobs)
    .set({ sentAt: null })
    .where(and(eq(jobs.id, jobId), claimable(now), not(laneOpen())))
    .returning({ lane: jobs.lane });
}

async function finishCancelled(db: Db, job: Job, now: number): Promise<Job | undefined> {
  const [row] = await db
    .update(jobs)
    .set({
      status: "cancelled",
      leaseToken: null,
      leaseExpiresAt: null,
      finishedAt: new Date(now),
      stage: "cancelled",
      updatedAt: new Date(now),
    })
    .where(and(eq(jobs.id, job.id), or(eq(jobs.status, "queued"), eq(jobs.status, "active"))))
    .returning();
  if (row) await jobEvent(db, job.id, "cancelled", { attempt: row.attempts, progress: row.progress, at: now });
  return row;
}

const held = (jobId: string, leaseToken: string) => and(eq(jobs.id, jobId), eq(jobs.status, "active"), eq(jobs.leaseToken, leaseToken));

export type Checkpoint = { held: true; cancelRequested: boolean; job: Job } | { held: false };

/**
 * Records progress and renews the lease; tells the consumer whether it still
 * holds the job and whether it must stop (a cancellation was asked for, in
 * which case the progress is not recorded).
 */
export async function recordProgress(
  db: Db,
  jobId: string,
  leaseToken: string,
  progress: number,
  stage: string,
  leaseMs: number,
  now = Date.now(),
): Promise<Checkpoint> {
  const [row] = await db
    .update(jobs)
    .set({
      progress: Math.max(0, Math.min(100, Math.round(progress))),
      stage: stage.slice(0, 200),
      leaseExpiresAt: new Date(now + leaseMs),
      updatedAt: new Date(now),
    })
    .where(and(held(jobId, leaseToken), isNull(jobs.cancelRequestedAt)))
    .returning();
  if (row) {
    await jobEvent(db, jobId, "progress", { attempt: row.attempts, progress: row.progress, stage: row.stage, at: now });
    return { held: true, cancelRequested: false, job: row };
  }
  const [current] = await db.select().from(jobs).where(held(jobId, leaseToken));
  return current ? { held: true, cancelRequested: current.cancelRequestedAt !== null, job: current } : { held: false };
}

/**
 * Extends a held lease without recording progress: a consumer still working (waiting on a slow model, say)
 * keeps its job, so the sweep only resends jobs whose consumer is gone. False when the lease was lost.
 * @example if (!(await renewLease(db, job.id, leaseToken, leaseMs))) stop();
 */
export async function renewLease(db: Db, jobId: string, leaseToken: string, leaseMs: number, now = Date.now()): Promise<boolean> {
  const [row] = await db
    .update(jobs)
    .set({ leaseExpiresAt: new Date(now + leaseMs) })
    .where(held(jobId, leaseToken))
    .returning({ id: jobs.id });
  return row !== undefined;
}

/** Marks the attempt's job completed with its result. False when the lease was lost (another consumer owns it now). */
export async function completeJob(db: Db, jobId: string, leaseToken: string, result: unknown, now = Date.now()): Promise<Job | undefined> {
  const [row] = await db
    .update(jobs)
    .set({
      status: "completed",
      progress: 100,
      stage: "done",
      result: result ?? null,
      error: null,
      leaseToken: null,
      leaseExpiresAt: null,
      finishedAt: new Date(now),
      updatedAt: new Date(now),
    })
    .where(held(jobId, leaseToken))
    .returning();
  if (row) await jobEvent(db, jobId, "completed", { attempt: row.attempts, progress: 100, stage: "done", at: now });
  return row;
}

/** Fails the job for good, with its error visible. */
export async function failJob(
  db: Db,
  jobId: string,
  leaseToken: string | null,
  error: JobError,
  now = Date.now(),
): Promise<Job | undefined> {
  const [row] = await db
    .update(jobs)
    .set({
      status: "failed",
      error,
      stage: "failed",
      leaseToken: null,
      leaseExpiresAt: null,
      finishedAt: new Date(now),
      updatedAt: new Date(now),
    })
    .where(leaseToken ? held(jobId, leaseToken) : and(eq(jobs.id, jobId), or(eq(jobs.status, "queued"), eq(jobs.status, "active"))))
    .returning();
  if (row) await jobEvent(db, jobId, "failed", { attempt: row.attempts, progress: row.progress, stage: row.stage, error, at: now });
  return row;
}

/** Puts the job back in the queue after a failed attempt, to run no earlier than `runAfter`. */
export async function scheduleRetry(
  db: Db,
  jobId: string,
  leaseToken: string,
  error: JobError,
  runAfter: number,
  now = Date.now(),
): Promise<Job | undefined> {
  const [row] = await db
    .update(jobs)
    .set({
      status: "queued",
      error,
      stage: "waiting to retry",
      leaseToken: null,
      leaseExpiresAt: null,
      runAfter: new Date(runAfter),
      sentAt: new Date(now),
      updatedAt: new Date(now),
    })
    .where(held(jobId, leaseToken))
    .returning();
  if (row) await jobEvent(db, jobId, "retrying", { attempt: row.attempts, progress: row.progress, error, at: now });
  return row;
}

/**
 * Puts the job back without using up an attempt: it had to wait (for the
 * global LLM limit), it did not fail.
 */
export async function deferJob(
  db: Db,
  jobId: string,
  leaseToken: string,
  runAfter: number,
  reason: string,
  now = Date.now(),
): Promise<Job | undefined> {
  const [row] = await db
    .update(jobs)
    .set({
      status: "queued",
      attempts: sql`case when ${jobs.attempts} > 0 then ${jobs.attempts} - 1 else 0 end`,
      stage: reason.slice(0, 200),
      leaseToken: null,
      leaseExpiresAt: null,
      runAfter: new Date(runAfter),
      sentAt: new Date(now),
      updatedAt: new Date(now),
    })
    .where(held(jobId, leaseToken))
    .returning();
  if (row) await jobEvent(db, jobId, "deferred", { attempt: row.attempts, progress: row.progress, stage: row.stage, at: now });
  return row;
}

/**
 * Cancels a queued job at once, or asks an active one to stop at its next checkpoint. A `reason` (the
 * course it works on was deleted, say) is kept as the job's error, so whoever looks sees why it ended.
 */
export async function requestCancel(db: Db, jobId: string, now = Date.now(), reason?: JobError): Promise<Job | undefined> {
  const why = reason ? { error: reason } : {};
  const [queued] = await db
    .update(jobs)
    .set({
      status: "cancelled",
      cancelRequestedAt: new Date(now),
      stage: "cancelled",
      finishedAt: new Date(now),
      updatedAt: new Date(now),
      ...why,
    })
    .where(and(eq(jobs.id, jobId), eq(jobs.status, "queued")))
    .returning();
  if (queued) {
    await jobEvent(db, jobId, "cancelled", { attempt: queued.attempts, progress: queued.progress, at: now });
    return queued;
  }
  const [active] = await db
    .update(jobs)
    .set({ cancelRequestedAt: new Date(now), stage: "cancelling", updatedAt: new Date(now), ...why })
    .where(and(eq(jobs.id, jobId), eq(jobs.status, "active")))
    .returning();
  return active;
}

/**
 * Gives a failed job a fresh set of attempts, and puts what it produces back where the job can complete it
 * (a FAILED course back to GENERATING, say: see job-products.ts), in one batch: both happen or neither.
 */
export async function requeueFailed(db: Db, job: Job, now = Date.now()): Promise<Job | undefined> {
  const requeue = (tx: Db) =>
    tx
      .update(jobs)
      .set({
        status: "queued",
        attempts: 0,
        progress: 0,
        stage: "queued",
        runAfter: null,
        finishedAt: null,
        cancelRequestedAt: null,
        sentAt: null,
        updatedAt: new Date(now),
      })
      .where(and(eq(jobs.id, job.id), eq(jobs.status, "failed")))
      .returning();
  // The product's statements are guarded by the job still being failed, so they run before the requeue.
  const results: unknown[] = await together(db, (tx) => {
    const [first, ...rest] = [...reopenProduct(tx, job), requeue(tx)];
    return [first!, ...rest];
  });
  const [row] = results.at(-1) as Job[];
  if (row) await jobEvent(db, job.id, "requeued", { at: now });
  return row;
}

/** Ids per statement when noting sends: under D1's hundred bound values, with the time beside them. */
const MARK_CHUNK = 90;

/** Notes that the jobs' messages reached the queue, a statement per ninety. */
export async function markSent(db: Db, jobIds: string[], now = Date.now()): Promise<void> {
  for (let start = 0; start < jobIds.length; start += MARK_CHUNK)
    await db
      .update(jobs)
      .set({ sentAt: new Date(now) })
      .where(inArray(jobs.id, jobIds.slice(start, start + MARK_CHUNK)));
}

/** Ends an active job whose cancellation its handler saw at a checkpoint. */
export async function cancelActive(db: Db, jobId: string, leaseToken: string, now = Date.now()): Promise<Job | undefined> {
  const [row] = await db
    .update(jobs)
    .set({
      status: "cancelled",
      stage: "cancelled",
      leaseToken: null,
      leaseExpiresAt: null,
      finishedAt: new Date(now),
      updatedAt: new Date(now),
    })
    .where(held(jobId, leaseToken))
    .returning();
  if (row) await jobEvent(db, jobId, "cancelled", { attempt: row.attempts, progress: row.progress, at: now });
  return row;
}
