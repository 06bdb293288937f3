/**
 * Accepting a job: its row is written (alone, or in one batch with the rows it
 * belongs to), then its message is sent on its lane and the send is noted. A
 * failed send leaves the row queued and unsent, and the sweep sends it later,
 * so an accepted job is never lost. Every producer goes through here, typed by
 * the job contract: a kind's payload is checked against its schema before the
 * row exists.
 */

import { type JobSpec, type Lane, parseJobPayload } from "@studyhall/core";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "./index.ts";
import { type LaneQueues, type SendOptions, sendAndMark } from "./job-queue.ts";
import { type Job, jobs } from "./tables.ts";
import { together } from "./write-together.ts";

/** A job to write: its kind with that kind's payload, and where and how it runs. */
export type NewJob = JobSpec & {
  /** Chosen by the caller when something (a token reservation, a row of its own) names the job before it exists. */
  id?: string;
  orgId: string;
  ownerId: string;
  lane: Lane;
  maxAttempts: number;
  idempotencyKey?: string | null;
  requestHash?: string | null;
};

/**
 * The insert for a new queued job (returning its row), to run alone or inside a batch with the rows it
 * belongs to. The payload is stored as its kind's schema reads it.
 * @throws ZodError when the payload does not fit its kind: a producer's bug, caught before a job exists.
 */
export function insertJob(db: Db, job: NewJob, now = Date.now()) {
  const payload = parseJobPayload(job.kind, job.payload);
  if (!payload.success) throw payload.error;
  return db
    .insert(jobs)
    .values({
      id: job.id ?? crypto.randomUUID(),
      orgId: job.orgId,
      ownerId: job.ownerId,
      kind: job.kind,
      lane: job.lane,
      payload: payload.data,
      maxAttempts: job.maxAttempts,
      idempotencyKey: job.idempotencyKey ?? null,
      requestHash: job.requestHash ?? null,
      status: "queued",
      stage: "queued",
      createdAt: new Date(now),
      updatedAt: new Date(now),
    })
    .returning();
}

/**
 * A job in two steps, for a producer whose own write decides whether the job is wanted (a report request
 * that another request beat): commit `insert` with that write (see `together`), then `send` it, or never send it.
 */
export interface PendingJob {
  id: string;
  /** The job's insert, built from the handle it runs on (the batch's or the transaction's). */
  insert(q: Db): ReturnType<typeof insertJob>;
  /** Sends the committed job and notes the send; false when the queue refused (the sweep sends it later). */
  send(options?: SendOptions): Promise<boolean>;
}

export function pendingJob(db: Db, queues: LaneQueues, job: NewJob, now = Date.now()): PendingJob {
  const id = job.id ?? crypto.randomUUID();
  return {
    id,
    insert: (q) => insertJob(q, { ...job, id }, now),
    send: (options) => sendAndMark(db, queues, { id, kind: job.kind, lane: job.lane }, options),
  };
}

export interface EnqueueOptions extends SendOptions {
  /** Rows the job belongs to (its document, its course, its export), committed with it: built from the handle given. */
  alongside?: (q: Db) => BatchItem<"sqlite">[];
  /** Runs once the batch is committed and before the message is sent: what must hold when the job starts. */
  onCommitted?: () => void | Promise<void>;
  now?: number;
}

/**
 * Writes a job (with the rows it belongs to, in one transaction), sends it on its lane and notes the send.
 * Only the write can fail: a refused send leaves the job queued for the sweep.
 *
 * @example
 * const job = await enqueue(db, laneQueues(env), {
 *   kind: "export-course", payload: { exportId, courseId, format: "pdf" },
 *   orgId, ownerId, lane: "normal", maxAttempts: config.JOB_MAX_RETRIES + 1,
 * }, { alongside: (q) => [q.insert(courseExports).values(exportRow)], defer: (work) => ctx.waitUntil(work()) });
 */
export async function enqueue(db: Db, queues: LaneQueues, job: NewJob, options: EnqueueOptions = {}): Promise<Job> {
  return (await enqueueWith(db, queues, job, options)).job;
}

/**
 * `enqueue`, also handing back what each `alongside` statement returned (a `.returning()` insert's rows), so
 * the caller answers from what it wrote instead of reading it back.
 */
export async function enqueueWith(
  db: Db,
  queues: LaneQueues,
  job: NewJob,
  options: EnqueueOptions = {},
): Promise<{ job: Job; alongside: unknown[] }> {
  const pending = pendingJob(db, queues, job, options.now);
  const { alongside } = options;
  const [rows, ...results] = alongside ? await together(db, (tx) => [pending.insert(tx), ...alongside(tx)]) : [await pending.insert(db)];
  await options.onCommitted?.();
  await pending.send(options);
  return { job: (rows as Job[])[0]!, alongside: results };
}
