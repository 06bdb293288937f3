/**
 * What each kind of job produces, and the state that thing must be in for its
 * job to finish it. A job that failed leaves what it was making marked as
 * failed (a course FAILED, a document failed); running the job again must put
 * it back where the job can complete it, in the same D1 batch as the requeue,
 * or the job would complete and the thing stay failed for ever. The switch
 * covers every kind of the job contract: a new kind does not compile until it
 * says what (if anything) it puts back.
 */
import { type JobError, type JobKind, type JobPayload, parseJobPayload } from "@studyhall/core";
import { and, eq, inArray, ne, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "./index.ts";
import { courses, documents, type Job, jobs, sessionReports } from "./tables.ts";

/** True while the job row is still `status`: the statements before the job's own update in a batch see it unchanged. */
const jobStill = (jobId: string, status: Job["status"]): SQL =>
  sql`exists (select 1 from ${jobs} where ${jobs.id} = ${jobId} and ${jobs.status} = ${status})`;

/** The job's payload by its kind, or undefined when it does not parse (such a job cannot run again anyway). */
function payloadOf<K extends JobKind>(job: Job, kind: K): JobPayload<K> | undefined {
  if (job.kind !== kind) return undefined;
  const parsed = parseJobPayload(kind, job.payload);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The statements that reopen what a failed job produces, each guarded by the job still being failed, so
 * they must run in one batch before the statement that requeues it.
 * @example await together(db, (tx) => [...reopenProduct(tx, job), requeue(tx)]);
 */
export function reopenProduct(db: Db, job: Job): BatchItem<"sqlite">[] {
  const failed = jobStill(job.id, "failed");
  const kind = job.kind as JobKind;
  switch (kind) {
    case "generate-course": {
      const payload = payloadOf(job, kind);
      // Publishing happens only from GENERATING: a FAILED course would stay FAILED under a completed job.
      return payload
        ? [
            db
              .update(courses)
              .set({ status: "GENERATING" })
              .where(and(eq(courses.id, payload.courseId), eq(courses.status, "FAILED"), failed)),
          ]
        : [];
    }
    case "parse-document": {
      const payload = payloadOf(job, kind);
      // Back to as it was uploaded: not failed, and not "parsing" while nothing parses it.
      return payload
        ? [
            db
              .update(documents)
              .set({ status: "uploaded", error: null })
              .where(and(eq(documents.id, payload.documentId), ne(documents.status, "parsed"), failed)),
          ]
        : [];
    }
    case "session-report": {
      const payload = payloadOf(job, kind);
      // The report row names the job writing it; a job it no longer names writes nothing. Running this one
      // again takes the row back, as asking again would, unless another job is writing the report now.
      return payload
        ? [
            db
              .update(sessionReports)
              .set({ jobId: job.id, completedAt: null })
              .where(
                and(
                  eq(sessionReports.sessionId, payload.sessionId),
                  sql`not exists (select 1 from ${jobs} where ${jobs.id} = ${sessionReports.jobId} and ${jobs.id} <> ${job.id} and ${inArray(jobs.status, ["queued", "active"])})`,
                  failed,
                ),
              ),
          ]
        : [];
    }
    // Their state is the job's own (an export's and a lesson's status is read from the job), or what they
    // write is keyed by the job and written all at once (practice questions, a tutor's answer in its room).
    case "export-course":
    case "regenerate-lesson":
    case "generate-questions":
    case "tutor-answer":
      return [];
  }
}

/**
 * What a job that ended without success leaves on what it was making: a course FAILED (or back to DRAFT when
 * cancelled), a document that was being parsed failed with the job's error. Nothing for kinds whose state is
 * their job's.
 * @example await settleProduct(db, cancelled);
 */
export async function settleProduct(db: Db, job: Job): Promise<void> {
  if (job.status !== "failed" && job.status !== "cancelled") return;
  const kind = job.kind as JobKind;
  if (kind === "generate-course") {
    const payload = payloadOf(job, kind);
    if (!payload) return;
    await db
      .update(courses)
      .set({ status: job.status === "cancelled" ? "DRAFT" : "FAILED" })
      .where(and(eq(courses.id, payload.courseId), eq(courses.status, "GENERATING")));
  } else if (kind === "parse-document" && job.status === "failed") {
    const payload = payloadOf(job, kind);
    if (!payload) return;
    // A parse that failed before it could judge the PDF (a dead letter, retries spent) must not read "parsing" for ever.
    const error: JobError = (job.error as JobError | null) ?? {
      type: "/problems/job-failed",
      title: "The document could not be parsed",
      retryable: true,
    };
    await db
      .update(documents)
      .set({ status: "failed", error })
      .where(and(eq(documents.id, payload.documentId), inArray(documents.status, ["uploaded", "parsing"])));
  }
}
