/**
 * Starting a course generation: the course row (GENERATING) and its job are
 * written in one batch, so neither exists without the other, and the job is
 * sent. An idempotency key makes a repeat (a retried parse, a client retry)
 * find the first instead, and send it if it was never sent.
 */

import type { Lane } from "@studyhall/core";
import { and, eq } from "drizzle-orm";
import type { Db } from "./index.ts";
import { pendingJob } from "./job-enqueue.ts";
import { type LaneQueues, type SendOptions, sendAndMark } from "./job-queue.ts";
import { courses, type Job, jobs } from "./tables.ts";
import { together } from "./write-together.ts";

export interface CourseGenerationRequest {
  orgId: string;
  ownerId: string;
  documentId: string;
  title: string;
  audience?: string | null;
  moduleCount?: number | null;
  lane: Lane;
  maxAttempts: number;
  idempotencyKey?: string | null;
  requestHash?: string | null;
  /** The job's id, when something (a token reservation) was written for it before it exists. */
  jobId?: string;
}

export interface StartedCourse {
  job: Job;
  courseId: string;
  /** False when the idempotency key found an earlier generation: `job` is that one. */
  created: boolean;
}

export interface CourseGenerationOptions extends SendOptions {
  /**
   * Runs after the rows are committed (or the earlier generation is found) and before the job is sent:
   * what the job must find when it starts, such as the tokens handed over to it.
   */
  beforeSend?: (started: StartedCourse) => Promise<void>;
}

/**
 * Writes a course and its generation job, and sends the job.
 * @example
 * const { job, courseId } = await createCourseGeneration(db, laneQueues(env), { orgId, ownerId, documentId, title, lane: "normal", maxAttempts: 4 });
 */
export async function createCourseGeneration(
  db: Db,
  queues: LaneQueues,
  request: CourseGenerationRequest,
  options: CourseGenerationOptions = {},
  now = Date.now(),
): Promise<StartedCourse> {
  const courseId = crypto.randomUUID();
  const pending = pendingJob(
    db,
    queues,
    {
      id: request.jobId,
      orgId: request.orgId,
      ownerId: request.ownerId,
      kind: "generate-course",
      lane: request.lane,
      payload: {
        courseId,
        documentId: request.documentId,
        audience: request.audience ?? null,
        moduleCount: request.moduleCount ?? null,
        title: request.title,
      },
      maxAttempts: request.maxAttempts,
      idempotencyKey: request.idempotencyKey,
      requestHash: request.requestHash,
    },
    now,
  );
  let started: StartedCourse;
  try {
    const [, [job]] = await together(db, (tx) => [
      tx.insert(courses).values({
        id: courseId,
        orgId: request.orgId,
        ownerId: request.ownerId,
        documentId: request.documentId,
        title: request.title,
        audience: request.audience ?? null,
        status: "GENERATING",
        jobId: pending.id,
        createdAt: new Date(now),
        updatedAt: new Date(now),
      }),
      pending.insert(tx),
    ]);
    started = { job: job!, courseId, created: true };
  } catch (error) {
    if (!request.idempotencyKey) throw error;
    const existing = await db.query.jobs.findFirst({
      where: and(eq(jobs.ownerId, request.ownerId), eq(jobs.idempotencyKey, request.idempotencyKey)),
    });
    if (!existing) throw error;
    started = { job: existing, courseId: (existing.payload as { courseId: string }).courseId, created: false };
  }
  await options.beforeSend?.(started);
  // An earlier generation found again is sent only if its own send never happened.
  if (started.created) await pending.send(options);
  else if (started.job.status === "queued" && !started.job.sentAt) await sendAndMark(db, queues, started.job, options);
  return started;
}
