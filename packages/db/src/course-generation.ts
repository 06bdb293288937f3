/**
 * Starting a course generation: the course row (GENERATING) and its job are
 * written in one batch, so neither exists without the other. An idempotency
 * key makes a repeat (a retried parse, a client retry) find the first instead.
 */

import type { Lane } from "@studyhall/core";
import { and, eq } from "drizzle-orm";
import type { Db } from "./index.ts";
import { insertJob } from "./job-queue.ts";
import { courses } from "./schema/courses.ts";
import { type Job, jobs } from "./schema/jobs.ts";

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

export async function createCourseGeneration(
  db: Db,
  request: CourseGenerationRequest,
  now = Date.now(),
): Promise<{ job: Job; courseId: string; created: boolean }> {
  const courseId = crypto.randomUUID();
  const jobId = request.jobId ?? crypto.randomUUID();
  const payload = {
    courseId,
    documentId: request.documentId,
    audience: request.audience ?? null,
    moduleCount: request.moduleCount ?? null,
    title: request.title,
  };
  try {
    await db.batch([
      db.insert(courses).values({
        id: courseId,
        orgId: request.orgId,
        ownerId: request.ownerId,
        documentId: request.documentId,
        title: request.title,
        audience: request.audience ?? null,
        status: "GENERATING",
        jobId,
        createdAt: new Date(now),
        updatedAt: new Date(now),
      }),
      insertJob(
        db,
        {
          id: jobId,
          orgId: request.orgId,
          ownerId: request.ownerId,
          kind: "generate-course",
          lane: request.lane,
          payload,
          maxAttempts: request.maxAttempts,
          idempotencyKey: request.idempotencyKey,
          requestHash: request.requestHash,
        },
        now,
      ),
    ]);
  } catch (error) {
    if (!request.idempotencyKey) throw error;
    const existing = await db.query.jobs.findFirst({
      where: and(eq(jobs.ownerId, request.ownerId), eq(jobs.idempotencyKey, request.idempotencyKey)),
    });
    if (!existing) throw error;
    return { job: existing, courseId: (existing.payload as { courseId: string }).courseId, created: false };
  }
  const job = await db.query.jobs.findFirst({ where: eq(jobs.id, jobId) });
  return { job: job!, courseId, created: true };
}
