/**
 * A job row as clients see it, for the live channel (a Durable Object that
 * cannot import the API worker): the same fields and links as the API's
 * `GET /v1/jobs/{id}`, so a stream's last event equals a poll's answer.
 */

import type { JobProgressUpdate, JobSnapshot, JobView } from "@studyhall/core";
import type { Db } from "./index.ts";
import { findJob } from "./job-lifecycle.ts";
import type { Job } from "./tables.ts";

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

/** Where a finished job's product is: the course or the document it made. */
export function jobResultLink(status: string, result: unknown): string | null {
  const made = result as { courseId?: string; documentId?: string } | null | undefined;
  if (status !== "completed" || !made) return null;
  if (made.courseId) return `/v1/courses/${made.courseId}`;
  if (made.documentId) return `/v1/documents/${made.documentId}`;
  return null;
}

/** The client's view of a job row. */
export function jobViewOf(job: Job): JobView {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    lane: job.lane,
    progress: job.progress,
    stage: job.stage,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    error: job.error ?? null,
    result: job.result ?? null,
    createdAt: job.createdAt.toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    runAfter: iso(job.runAfter),
    links: { self: `/v1/jobs/${job.id}`, events: `/v1/jobs/${job.id}/events`, result: jobResultLink(job.status, job.result) },
  };
}

/** The snapshot the live channel keeps of a row. */
export function jobSnapshotOf(job: Job): JobSnapshot {
  return { view: jobViewOf(job), updatedAt: job.updatedAt.getTime() };
}

/** A job's snapshot read from D1, if the job exists. */
export async function readJobSnapshot(db: Db, jobId: string): Promise<JobSnapshot | undefined> {
  const row = await findJob(db, jobId);
  return row ? jobSnapshotOf(row) : undefined;
}

/**
 * A snapshot moved on by a consumer's update, when the row itself cannot be
 * read. Timestamps the update does not carry keep their last known value;
 * it is dated by the update, which is sent after the change was committed.
 */
export function patchJobSnapshot(snapshot: JobSnapshot, update: JobProgressUpdate): JobSnapshot {
  const result = update.result === undefined ? snapshot.view.result : (update.result ?? null);
  return {
    updatedAt: Math.max(snapshot.updatedAt, update.at),
    view: {
      ...snapshot.view,
      status: update.status,
      progress: Math.round(update.progress),
      stage: update.stage,
      attempts: update.attempts,
      error: update.error === undefined ? snapshot.view.error : (update.error ?? null),
      result,
      links: { ...snapshot.view.links, result: jobResultLink(update.status, result) },
    },
  };
}
