/**
 * A teacher's documents after upload: listing them, reading one with its
 * sections and parse job, deleting one with its files, and generating a course
 * from a parsed one. A document is its owner's and the admins' of its
 * organisation; to anyone else it answers 404 (see document-access.ts for
 * reading passages through a course).
 */

import { type Config, estimateTokens, type Lane, notFound, ProblemError } from "@studyhall/core";
import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { Viewer } from "./course-access.ts";
import { createCourseGeneration, type StartedCourse } from "./course-generation.ts";
import { deleteDocumentFiles } from "./document-store.ts";
import type { Db } from "./index.ts";
import { documentTextChars } from "./job-estimates.ts";
import { cancelJobsOf } from "./job-orphans.ts";
import type { LaneQueues, SendOptions } from "./job-queue.ts";
import { courses, type Document, type DocumentSection, documentSections, documents, type Job, jobs } from "./tables.ts";
import { reserveFor } from "./token-reservations.ts";

/**
 * A document the viewer may see: their own, or any in the organisation for an admin.
 * @throws ProblemError not-found.
 */
export async function visibleDocument(db: Db, viewer: Viewer, id: string): Promise<Document> {
  const doc = await db.query.documents.findFirst({ where: and(eq(documents.id, id), eq(documents.orgId, viewer.orgId)) });
  if (!doc || (doc.ownerId !== viewer.id && viewer.role !== "admin")) throw notFound("document");
  return doc;
}

/** The viewer's documents (an admin's: the organisation's), newest first. */
export function listDocuments(db: Db, viewer: Viewer, page: { limit: number; offset: number }): Promise<Document[]> {
  return db
    .select()
    .from(documents)
    .where(viewer.role === "admin" ? eq(documents.orgId, viewer.orgId) : eq(documents.ownerId, viewer.id))
    .orderBy(desc(documents.createdAt))
    .limit(page.limit)
    .offset(page.offset);
}

/** A section as the document's reader sees it: where it is and how long, not its text. */
export interface SectionSummary {
  index: number;
  title: string;
  level: number;
  pageStart: number;
  pageEnd: number;
  characters: number;
}

/** A visible document with its sections in order and the job that parsed it (if it is still kept). */
export async function documentWithSections(
  db: Db,
  viewer: Viewer,
  id: string,
): Promise<{ document: Document; sections: SectionSummary[]; parseJob: Job | undefined }> {
  const document = await visibleDocument(db, viewer, id);
  const [sections, parseJob] = await Promise.all([
    db
      .select({
        index: documentSections.position,
        title: documentSections.title,
        level: documentSections.level,
        pageStart: documentSections.pageStart,
        pageEnd: documentSections.pageEnd,
        characters: sql<number>`length(${documentSections.text})`.mapWith(Number),
      })
      .from(documentSections)
      .where(eq(documentSections.documentId, document.id))
      .orderBy(asc(documentSections.position)),
    db.query.jobs.findFirst({ where: and(eq(jobs.ownerId, document.ownerId), eq(jobs.idempotencyKey, `parse:${document.id}`)) }),
  ]);
  return { document, sections, parseJob };
}

/**
 * Deletes a visible document: its parse, if one is still queued or running, is cancelled with the reason;
 * its files in R2 (the uploaded PDF, the parsed text) go, then its row, then its files once more, for what a
 * parse still running stored meanwhile (one storing later finds the row gone and removes them itself).
 * Courses made from it stay. Answers the jobs it cancelled.
 */
export async function deleteDocument(db: Db, bucket: R2Bucket, viewer: Viewer, id: string): Promise<Job[]> {
  const doc = await visibleDocument(db, viewer, id);
  const cancelled = await cancelJobsOf(db, doc.orgId, { documentId: doc.id });
  await deleteDocumentFiles(bucket, doc.orgId, doc.id);
  await db.delete(documents).where(eq(documents.id, doc.id));
  await deleteDocumentFiles(bucket, doc.orgId, doc.id);
  return cancelled;
}

export interface CourseFromDocument {
  title?: string;
  audience?: string;
  moduleCount?: number;
  lane: Lane;
}

/**
 * Generates a course from a parsed document the viewer may see, paid for from the viewer's quota first.
 * @throws ProblemError not-found, conflict (not parsed yet), quota-exceeded.
 */
export async function generateCourseFromDocument(
  db: Db,
  queues: LaneQueues,
  config: Config,
  viewer: Viewer,
  documentId: string,
  request: CourseFromDocument,
  options: SendOptions,
): Promise<StartedCourse> {
  const doc = await visibleDocument(db, viewer, documentId);
  if (doc.status !== "parsed")
    throw new ProblemError("conflict", { detail: `The document is ${doc.status}; a course can be generated once it is parsed.` });
  const jobId = crypto.randomUUID();
  const amount = estimateTokens({
    kind: "generate-course",
    textChars: await documentTextChars(db, doc.id),
    moduleCount: request.moduleCount,
  });
  return reserveFor(db, config, viewer, { amount, jobId }, () =>
    createCourseGeneration(
      db,
      queues,
      {
        jobId,
        orgId: viewer.orgId,
        ownerId: viewer.id,
        documentId: doc.id,
        title: request.title ?? doc.title,
        audience: request.audience,
        moduleCount: request.moduleCount,
        lane: request.lane,
        maxAttempts: config.JOB_MAX_RETRIES + 1,
      },
      options,
    ),
  );
}

/** The parsed sections of a course's document, in order: none when the course, its document or the parse is missing. */
export async function courseDocumentSections(db: Db, orgId: string, courseId: string): Promise<DocumentSection[]> {
  const course = await db.query.courses.findFirst({ where: and(eq(courses.id, courseId), eq(courses.orgId, orgId)) });
  if (!course?.documentId) return [];
  return db
    .select()
    .from(documentSections)
    .where(eq(documentSections.documentId, course.documentId))
    .orderBy(asc(documentSections.position));
}
