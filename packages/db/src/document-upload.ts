/**
 * Accepting an uploaded PDF once its bytes are in R2: a replayed request gets
 * its first answer, the same file from the same owner gets the existing
 * document, and anything else becomes a document and its parse job in one D1
 * batch, with the course the parse will start paid for first. The caller
 * (the upload route) streams the file in and removes it again unless the
 * document was committed.
 */

import { type Config, estimateTokens, type JobView, type Lane, type OutlineEntry } from "@studyhall/core";
import { and, eq } from "drizzle-orm";
import type { Db } from "./index.ts";
import { enqueueWith } from "./job-enqueue.ts";
import type { LaneQueues, SendOptions } from "./job-queue.ts";
import { jobViewOf } from "./job-view.ts";
import { type Document, documents, jobs } from "./tables.ts";
import { releaseReservation, reserveTokens, type Spender } from "./token-reservations.ts";

/** A document's title until the parser finds one in the PDF (its metadata or first page). */
export const UNTITLED_DOCUMENT = "Untitled document";

/** A document as clients see it. */
export interface DocumentView {
  id: string;
  title: string;
  status: Document["status"];
  bytes: number;
  sha256: string;
  pageCount: number | null;
  outline: OutlineEntry[] | null;
  error: unknown;
  ownerId: string;
  createdAt: string;
}

export const documentViewOf = (d: Document): DocumentView => ({
  id: d.id,
  title: d.title,
  status: d.status,
  bytes: d.bytes,
  sha256: d.sha256,
  pageCount: d.pageCount,
  outline: d.outline ?? null,
  error: d.error ?? null,
  ownerId: d.ownerId,
  createdAt: d.createdAt.toISOString(),
});

/** The answer to an upload: the document, its parse job, and where to follow them. */
export interface AcceptedUpload {
  document: DocumentView;
  job: JobView | null;
  links: { document: string; status: string | null; progress: string | null };
}

const links = (documentId: string, jobId: string | undefined): AcceptedUpload["links"] => ({
  document: `/v1/documents/${documentId}`,
  status: jobId ? `/v1/jobs/${jobId}` : null,
  progress: jobId ? `/v1/jobs/${jobId}/events` : null,
});

/** The answers kept under the client's `Idempotency-Key`, keyed by the request they answered (its text). */
export interface UploadReplays {
  /** The answer kept for this request, if there is one; throws when the key was used for another request. */
  find(request: string): Promise<{ status: number; body: unknown } | undefined>;
  keep(request: string, status: number, body: AcceptedUpload): Promise<void>;
}

export interface UploadRequest {
  owner: Spender;
  /** The document's id and where its file already is, both chosen before the file was stored. */
  documentId: string;
  r2Key: string;
  file: { bytes: number; sha256: string };
  /** The title the client gave (at most 200 characters), if any. */
  title?: string;
  /** The course to generate once the document is parsed, or null for none. */
  course: { audience?: string; moduleCount?: number } | null;
  lane: Lane;
  replays?: UploadReplays;
}

export type UploadAnswer =
  | { outcome: "replayed"; status: number; body: AcceptedUpload }
  | { outcome: "existing"; status: 200; body: AcceptedUpload }
  | { outcome: "accepted"; status: 202; body: AcceptedUpload };

export interface UploadHooks extends SendOptions {
  /** Called once the document is committed: from then on its file must stay. */
  onCommitted: () => void;
}

/** The document the owner already has with this content, with its parse job, as an upload answers it. */
async function existingUpload(db: Db, ownerId: string, sha256: string): Promise<AcceptedUpload | undefined> {
  const existing = await db.query.documents.findFirst({ where: and(eq(documents.ownerId, ownerId), eq(documents.sha256, sha256)) });
  if (!existing) return undefined;
  const parseJob = await db.query.jobs.findFirst({
    where: and(eq(jobs.ownerId, ownerId), eq(jobs.kind, "parse-document"), eq(jobs.idempotencyKey, `parse:${existing.id}`)),
  });
  return { document: documentViewOf(existing), job: parseJob ? jobViewOf(parseJob) : null, links: links(existing.id, parseJob?.id) };
}

/**
 * Accepts a stored upload. One D1 write (a batch is one transaction, answered from the rows it returns) and
 * one queue send; the parse happens in the consumer. The same file from the same owner is found by the
 * write itself: the owner's unique (owner, sha256) index refuses its document, and only then is the
 * existing one read, so a new file costs no lookup and two concurrent uploads of one file make one document.
 * @throws ProblemError quota-exceeded (429) when the course it asks for does not fit the owner's quota.
 */
export async function acceptUpload(
  db: Db,
  queues: LaneQueues,
  config: Config,
  request: UploadRequest,
  hooks: UploadHooks,
): Promise<UploadAnswer> {
  const { owner, documentId, file } = request;
  const title = request.title ?? UNTITLED_DOCUMENT;
  const generate = request.course !== null;
  const fingerprint = `${file.sha256}\n${title}\n${generate}\n${request.course?.audience ?? ""}\n${request.course?.moduleCount ?? ""}`;

  const replay = await request.replays?.find(fingerprint);
  if (replay) return { outcome: "replayed", status: replay.status, body: replay.body as AcceptedUpload };

  const now = Date.now();
  const jobId = crypto.randomUUID();
  // The course the parse will start is paid for now, before anything is accepted; the parse job holds the tokens until it hands them over.
  let reservation: Awaited<ReturnType<typeof reserveTokens>> | null = null;
  if (request.course) {
    try {
      reservation = await reserveTokens(db, config, owner, {
        amount: estimateTokens({ kind: "generate-course", textChars: file.bytes, moduleCount: request.course.moduleCount }),
        jobId,
      });
    } catch (error) {
      // The same file again needs no new course: its owner gets the document they have, quota or not.
      const existing = await existingUpload(db, owner.id, file.sha256);
      if (existing) return { outcome: "existing", status: 200, body: existing };
      throw error;
    }
  }
  const generateCourse =
    request.course && reservation ? { title: request.title, ...request.course, lane: request.lane, reservationId: reservation.id } : null;
  let enqueued: Awaited<ReturnType<typeof enqueueWith>>;
  try {
    enqueued = await enqueueWith(
      db,
      queues,
      {
        id: jobId,
        orgId: owner.orgId,
        ownerId: owner.id,
        kind: "parse-document",
        lane: request.lane,
        payload: { documentId, generateCourse },
        maxAttempts: config.JOB_MAX_RETRIES + 1,
        idempotencyKey: `parse:${documentId}`,
      },
      {
        alongside: (tx) => [
          tx
            .insert(documents)
            .values({
              id: documentId,
              orgId: owner.orgId,
              ownerId: owner.id,
              title,
              r2Key: request.r2Key,
              sha256: file.sha256,
              bytes: file.bytes,
              status: "uploaded",
              createdAt: new Date(now),
              updatedAt: new Date(now),
            })
            .returning(),
        ],
        onCommitted: hooks.onCommitted,
        defer: hooks.defer,
        now,
      },
    );
  } catch (error) {
    if (reservation) await releaseReservation(db, reservation.id);
    // The owner's (owner, sha256) index refused the document: the same file is already theirs.
    const existing = await existingUpload(db, owner.id, file.sha256);
    if (existing && existing.document.id !== documentId) return { outcome: "existing", status: 200, body: existing };
    throw error;
  }
  const { job, alongside } = enqueued;
  const document = (alongside[0] as Document[])[0]!;
  const body = { document: documentViewOf(document), job: jobViewOf(job), links: links(documentId, jobId) };
  await request.replays?.keep(fingerprint, 202, body);
  return { outcome: "accepted", status: 202, body };
}
