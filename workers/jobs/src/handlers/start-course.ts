/** After a parse: start generating the course the upload asked for, once. */
import { createCourseGeneration, laneQueues, sendAndMark, type Document } from "@studyhall/db";
import type { Lane } from "@studyhall/core";
import type { JobContext } from "../runner";

export async function startCourseGeneration(
  ctx: JobContext,
  document: Document,
  options: { title?: string; audience?: string; moduleCount?: number; lane: Lane },
): Promise<string> {
  const { job, created } = await createCourseGeneration(ctx.db, {
    orgId: document.orgId,
    ownerId: document.ownerId,
    documentId: document.id,
    title: options.title ?? document.title,
    audience: options.audience,
    moduleCount: options.moduleCount,
    lane: options.lane,
    maxAttempts: ctx.config.JOB_MAX_RETRIES + 1,
    // One automatic course per document, however often this parse is retried.
    idempotencyKey: `auto-course:${document.id}`,
  });
  if (created || (job.status === "queued" && !job.sentAt)) await sendAndMark(ctx.db, laneQueues(ctx.env), job);
  return job.id;
}
