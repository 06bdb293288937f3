/**
 * Asking for practice questions: from a parsed document (or one of its
 * sections) the teacher may see, or from a topic searched across what they may
 * read. The request is the `generate-questions` job's payload; it is paid for
 * from the teacher's quota before the job exists.
 */

import { type Config, estimateTokens, type JobPayload, ProblemError } from "@studyhall/core";
import { and, eq } from "drizzle-orm";
import type { Viewer } from "./course-access.ts";
import { readableDocuments } from "./document-access.ts";
import { visibleDocument } from "./document-library.ts";
import type { Db } from "./index.ts";
import { enqueue } from "./job-enqueue.ts";
import type { LaneQueues, SendOptions } from "./job-queue.ts";
import { documentSections } from "./schema/document-sections.ts";
import { documents } from "./schema/documents.ts";
import type { Job } from "./schema/jobs.ts";
import { reserveFor } from "./token-reservations.ts";

/** What `POST /v1/questions/generate` accepts: the job's payload, one schema in the job contract. */
export type QuestionsRequest = JobPayload<"generate-questions">;

/** Throws unless there is something to write the questions from: the section, the document, or any readable parsed document. */
async function assertSource(db: Db, viewer: Viewer, request: QuestionsRequest): Promise<void> {
  if (request.documentId) {
    // Documents are private to their owner and the admins, as in /v1/documents.
    const document = await visibleDocument(db, viewer, request.documentId);
    if (document.status !== "parsed")
      throw new ProblemError("conflict", { detail: "The document is not parsed yet; try again when its parse job is done." });
    if (request.sectionIndex !== undefined) {
      const section = await db.query.documentSections.findFirst({
        where: and(eq(documentSections.documentId, document.id), eq(documentSections.position, request.sectionIndex)),
      });
      if (!section) {
        throw new ProblemError("validation-failed", {
          detail: "The document has no section with that index.",
          extensions: { invalidParams: [{ name: "sectionIndex", reason: "no such section in the document" }] },
        });
      }
    }
    return;
  }
  // A topic alone searches what the teacher may read: their own documents and those behind courses they can see.
  const [any] = await db
    .select({ id: documents.id })
    .from(documents)
    .where(and(readableDocuments(viewer), eq(documents.status, "parsed")))
    .limit(1);
  if (!any) throw new ProblemError("conflict", { detail: "There is no parsed document you may read to write questions from yet." });
}

/**
 * Queues a `generate-questions` job for the viewer, once its source is known to exist.
 * @throws ProblemError not-found (the document), conflict (not parsed, nothing readable), validation-failed (no such section),
 * quota-exceeded.
 */
export async function requestPracticeQuestions(
  db: Db,
  queues: LaneQueues,
  config: Config,
  viewer: Viewer,
  request: QuestionsRequest,
  options: SendOptions,
): Promise<Job> {
  await assertSource(db, viewer, request);
  const jobId = crypto.randomUUID();
  return reserveFor(db, config, viewer, { amount: estimateTokens({ kind: "generate-questions", count: request.count }), jobId }, () =>
    enqueue(
      db,
      queues,
      {
        id: jobId,
        orgId: viewer.orgId,
        ownerId: viewer.id,
        kind: "generate-questions",
        lane: "normal",
        payload: request,
        maxAttempts: config.JOB_MAX_RETRIES + 1,
      },
      options,
    ),
  );
}
