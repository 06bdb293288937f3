/**
 * Asking for practice questions: from a parsed document (or one of its
 * sections) the teacher may see, or from a topic searched across what they may
 * read. The request is the `generate-questions` job's payload; it is paid for
 * from the teacher's quota before the job exists.
 */

import { type Config, estimateTokens, type JobPayload, ProblemError } from "@studyhall/core";
import { and, asc, eq, inArray, like, or, type SQL } from "drizzle-orm";
import type { Viewer } from "./course-access.ts";
import { readableDocuments } from "./document-access.ts";
import { visibleDocument } from "./document-library.ts";
import type { Db } from "./index.ts";
import { enqueue } from "./job-enqueue.ts";
import type { LaneQueues, SendOptions } from "./job-queue.ts";
import type { Job } from "./tables.ts";
import { type DocumentSection, documentSections, documents, practiceQuestions } from "./tables.ts";
import { reserveFor } from "./token-reservations.ts";
import { together } from "./write-together.ts";

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

/** The questions a generation job stored, oldest first: a redelivered job finds its attempt's work here. */
export function questionsOfJob(db: Db, jobId: string): Promise<{ id: string }[]> {
  return db
    .select({ id: practiceQuestions.id })
    .from(practiceQuestions)
    .where(eq(practiceQuestions.jobId, jobId))
    .orderBy(asc(practiceQuestions.createdAt));
}

/** Adds a job's questions to the bank, all of them or none. */
export async function storeGeneratedQuestions(db: Db, rows: (typeof practiceQuestions.$inferInsert)[]): Promise<void> {
  if (!rows.length) return;
  // One statement per row: D1 caps bound parameters per statement.
  await together(db, (tx) => {
    const [first, ...rest] = rows.map((row) => tx.insert(practiceQuestions).values(row));
    return [first!, ...rest];
  });
}

/** A section as practice questions are written from it. */
export type PassageSection = Pick<DocumentSection, "documentId" | "position" | "title" | "text" | "pageStart" | "pageEnd">;

/** A function, not a constant: the tables are the store's (tables.ts), known only once a handle is open. */
const passageColumns = () => ({
  documentId: documentSections.documentId,
  position: documentSections.position,
  title: documentSections.title,
  text: documentSections.text,
  pageStart: documentSections.pageStart,
  pageEnd: documentSections.pageEnd,
});

/** A document's sections in order (or the one at `position`), if the reader may read it and it is parsed; undefined otherwise. */
export async function readableSections(
  db: Db,
  reader: Viewer,
  documentId: string,
  position?: number,
): Promise<PassageSection[] | undefined> {
  const [document] = await db
    .select({ id: documents.id, status: documents.status })
    .from(documents)
    .where(and(eq(documents.id, documentId), readableDocuments(reader)));
  if (document?.status !== "parsed") return undefined;
  return db
    .select(passageColumns())
    .from(documentSections)
    .where(and(eq(documentSections.documentId, document.id), position === undefined ? undefined : eq(documentSections.position, position)))
    .orderBy(asc(documentSections.position));
}

/**
 * Up to `limit` sections of the parsed documents the reader may read whose title or text holds any of `words`
 * (letters and digits only, so no LIKE wildcards): a cheap pre-filter, for the caller to rank.
 */
export function sectionsMentioning(db: Db, reader: Viewer, words: readonly string[], limit: number): Promise<PassageSection[]> {
  const parsed = db
    .select({ id: documents.id })
    .from(documents)
    .where(and(readableDocuments(reader), eq(documents.status, "parsed")));
  const matches: SQL[] = words.flatMap((w) => [like(documentSections.title, `%${w}%`), like(documentSections.text, `%${w}%`)]);
  return db
    .select(passageColumns())
    .from(documentSections)
    .where(and(inArray(documentSections.documentId, parsed), matches.length ? or(...matches) : undefined))
    .limit(limit);
}
