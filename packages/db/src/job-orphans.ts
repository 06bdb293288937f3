/**
 * The jobs still working on something that is being deleted: a course's
 * generation, its lessons' regeneration and its exports, a document's parse.
 * Deleting the thing cancels them, with the reason as their error, so each
 * ends visibly (a queued one at once, an active one at its next checkpoint)
 * instead of failing later on rows that are gone or writing files again.
 */
import type { JobError, JobKind } from "@studyhall/core";
import { and, eq, inArray } from "drizzle-orm";
import { jsonText } from "./dialect.ts";
import type { Db } from "./index.ts";
import { requestCancel } from "./job-lifecycle.ts";
import { type Job, jobs } from "./tables.ts";
import { releaseReservations } from "./token-reservations.ts";

/** What is deleted, and the kinds of job that work on it (by the payload field naming it). */
export type Deleted = { courseId: string } | { documentId: string };

const kindsOf = (deleted: Deleted): JobKind[] =>
  "courseId" in deleted ? ["generate-course", "regenerate-lesson", "export-course"] : ["parse-document"];

const reasonOf = (deleted: Deleted): JobError =>
  "courseId" in deleted
    ? {
        type: "/problems/course-deleted",
        title: "The course was deleted",
        detail: "The course this job worked on was deleted.",
        retryable: false,
      }
    : {
        type: "/problems/document-deleted",
        title: "The document was deleted",
        detail: "The document this job worked on was deleted.",
        retryable: false,
      };

/**
 * Cancels the organisation's queued and active jobs working on `deleted`; returns them as they are now
 * (cancelled, or cancelling until their consumer's next checkpoint), to announce to their subscribers.
 * @example const cancelled = await cancelJobsOf(db, course.orgId, { courseId: course.id });
 */
export async function cancelJobsOf(db: Db, orgId: string, deleted: Deleted, now = Date.now()): Promise<Job[]> {
  const [field, id] = "courseId" in deleted ? ["courseId", deleted.courseId] : ["documentId", deleted.documentId];
  const running = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(
      and(
        eq(jobs.orgId, orgId),
        inArray(jobs.kind, kindsOf(deleted)),
        inArray(jobs.status, ["queued", "active"]),
        eq(jsonText(jobs.payload, field), id),
      ),
    );
  const changed: Job[] = [];
  for (const { id: jobId } of running) {
    const job = await requestCancel(db, jobId, now, reasonOf(deleted));
    if (!job) continue;
    // A queued job never reaches a consumer again: what it reserved goes back now (an active one's when it stops).
    if (job.status === "cancelled") await releaseReservations(db, job.id);
    changed.push(job);
  }
  return changed;
}
