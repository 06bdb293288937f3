/**
 * Running failed jobs again, for their owner's retry, the admin's retries and
 * the platform's dead-letter requeue. A job goes back only if it can succeed
 * now (a permanent failure whose cause cannot have changed stays failed: see
 * core's job-retry.ts), and, when it calls the LLM, once its tokens are
 * reserved from its owner's quota, so running work again is bounded like
 * accepting it the first time.
 */

import {
  type Config,
  type JobError,
  ProblemError,
  pagesOfTooManyPages,
  parseJobPayload,
  permanentFailure,
  retryConditionOf,
} from "@studyhall/core";
import { and, eq } from "drizzle-orm";
import type { Db } from "./index.ts";
import { jobTokenEstimate } from "./job-estimates.ts";
import { markSent, requeueFailed } from "./job-lifecycle.ts";
import { type LaneQueues, type SendOptions, sendJob } from "./job-queue.ts";
import type { Job, TokenReservation } from "./tables.ts";
import { courses, documents } from "./tables.ts";
import { releaseReservation, reserveTokens, spenderOf } from "./token-reservations.ts";

/** The document a job reads, if its kind reads one. */
async function documentOf(db: Db, job: Job): Promise<string | null> {
  switch (job.kind) {
    case "generate-course": {
      const payload = parseJobPayload(job.kind, job.payload);
      return payload.success ? payload.data.documentId : null;
    }
    case "generate-questions": {
      const payload = parseJobPayload(job.kind, job.payload);
      return payload.success ? (payload.data.documentId ?? null) : null;
    }
    case "regenerate-lesson": {
      const payload = parseJobPayload(job.kind, job.payload);
      if (!payload.success) return null;
      const [course] = await db
        .select({ documentId: courses.documentId })
        .from(courses)
        .where(and(eq(courses.id, payload.data.courseId), eq(courses.orgId, job.orgId)));
      return course?.documentId ?? null;
    }
    default:
      return null;
  }
}

async function documentParsed(db: Db, job: Job): Promise<boolean> {
  const documentId = await documentOf(db, job);
  if (!documentId) return false;
  const [document] = await db
    .select({ status: documents.status })
    .from(documents)
    .where(and(eq(documents.id, documentId), eq(documents.orgId, job.orgId)));
  return document?.status === "parsed";
}

/** Whether the deployment's page limit now admits the pages a `pdf-too-many-pages` failure counted. */
function pageLimitAdmits(config: Config, error: JobError): boolean {
  const pages = pagesOfTooManyPages(error);
  return pages !== null && pages <= config.MAX_PDF_PAGES;
}

/**
 * Why a failed job must not run again, or null when it may: a 409 when its last error was permanent and
 * nothing it depends on has changed since.
 * @example await retryRefusal(db, config, encryptedParse) // ProblemError conflict: "This job failed permanently: The PDF is password-protected; …"
 */
export async function retryRefusal(db: Db, config: Config, job: Job): Promise<ProblemError | null> {
  const error = job.error as JobError | null;
  const condition = retryConditionOf(error);
  if (!error || condition === "anytime") return null;
  if (condition === "document-parsed" && (await documentParsed(db, job))) return null;
  if (condition === "page-limit-raised" && pageLimitAdmits(config, error)) return null;
  return permanentFailure(error);
}

/** Reserves what running `job` again may spend, from its owner's quota; null when it spends nothing. */
async function reserveForRetry(db: Db, config: Config, job: Job): Promise<TokenReservation | null> {
  const amount = await jobTokenEstimate(db, job);
  if (amount === null) return null;
  const owner = await spenderOf(db, job.ownerId);
  if (!owner) throw new ProblemError("conflict", { detail: "The job's owner no longer has an account; it cannot run again." });
  return reserveTokens(db, config, owner, { amount, jobId: job.id });
}

export interface Requeued {
  requeued: Job[];
  /** Failed jobs left failed because their owner's quota cannot cover them, each with the problem (429). */
  quotaExceeded: { job: Job; problem: ProblemError }[];
  /** Failed jobs left failed because they would fail the same way again, each with the problem (409). */
  failedPermanently: { job: Job; problem: ProblemError }[];
}

/**
 * Gives failed jobs fresh attempts and sends them; returns those that went back, and those that stayed failed
 * and why (jobs that are not failed are left alone).
 * @example const { requeued, quotaExceeded, failedPermanently } = await requeueJobs(db, config, laneQueues(env), failed, { defer: deferTo(c) });
 */
export async function requeueJobs(
  db: Db,
  config: Config,
  queues: LaneQueues,
  candidates: Job[],
  options: SendOptions = {},
): Promise<Requeued> {
  const result: Requeued = { requeued: [], quotaExceeded: [], failedPermanently: [] };
  for (const job of candidates) {
    if (job.status !== "failed") continue;
    const permanent = await retryRefusal(db, config, job);
    if (permanent) {
      result.failedPermanently.push({ job, problem: permanent });
      continue;
    }
    let reservation: TokenReservation | null;
    try {
      reservation = await reserveForRetry(db, config, job);
    } catch (error) {
      if (error instanceof ProblemError && error.type === "quota-exceeded") {
        result.quotaExceeded.push({ job, problem: error });
        continue;
      }
      throw error;
    }
    const row = await requeueFailed(db, job);
    if (row) result.requeued.push(row);
    else if (reservation) await releaseReservation(db, reservation.id);
  }
  const sent: string[] = [];
  for (const job of result.requeued) if (await sendJob(queues, job)) sent.push(job.id);
  // Noting the send may be off the response path; the sweep covers a send that never happened.
  if (options.defer) options.defer(() => markSent(db, sent));
  else await markSent(db, sent);
  return result;
}

/**
 * Requeues one failed job. A job that is not failed, or failed permanently, is a 409; one its owner's quota
 * cannot cover is a 429.
 */
export async function requeueOne(db: Db, config: Config, queues: LaneQueues, job: Job, options: SendOptions = {}): Promise<Job> {
  const { requeued, quotaExceeded, failedPermanently } = await requeueJobs(db, config, queues, [job], options);
  const refused = failedPermanently[0] ?? quotaExceeded[0];
  if (refused) throw refused.problem;
  if (!requeued[0]) throw new ProblemError("conflict", { detail: `Only a failed job can be retried; this one is ${job.status}.` });
  return requeued[0];
}
