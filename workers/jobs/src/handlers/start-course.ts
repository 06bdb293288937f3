/**
 * After a parse: start generating the course the upload asked for, once, and
 * hand it the tokens the upload reserved (sized again now that the text is known).
 */
import { estimateTokens, type JobPayload } from "@studyhall/core";
import { createCourseGeneration, type Document, documentTextChars, handOverReservations, laneQueues } from "@studyhall/db";
import type { JobContext } from "../runner.ts";

export async function startCourseGeneration(
  ctx: JobContext,
  document: Document,
  options: NonNullable<JobPayload<"parse-document">["generateCourse"]>,
): Promise<string> {
  const { job } = await createCourseGeneration(
    ctx.db,
    laneQueues(ctx.env),
    {
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
    },
    {
      // The course job must hold its tokens before it can start: handed over before it is sent.
      async beforeSend({ job, created }) {
        // A course job that already ran (the parse was retried after it) has settled its own budget; the parse keeps this one and releases it.
        if (!created && job.status !== "queued" && job.status !== "active") return;
        const atMost = estimateTokens({
          kind: "generate-course",
          textChars: await documentTextChars(ctx.db, document.id),
          moduleCount: options.moduleCount,
        });
        await handOverReservations(ctx.db, { fromJobId: ctx.job.id, reservationId: options.reservationId, toJobId: job.id, atMost });
      },
    },
  );
  return job.id;
}
