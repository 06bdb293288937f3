/**
 * Whether a failed job may run again when someone asks for it. A job whose
 * last error says `retryable: false` would fail the same way, unless what
 * made it fail can have changed since: this file says, per problem type,
 * what that is. A retry that cannot succeed is refused, so a retry, an
 * admin's bulk retry or a dead-letter requeue never re-runs a job that is
 * bound to fail again.
 */
import type { JobError } from "./job-contract.ts";
import { ProblemError } from "./problems.ts";

/**
 * What must hold for a job that failed with a given problem to be worth running again:
 * `anytime` (what failed lies outside the job and may have been fixed, or is checked again as it goes back),
 * `document-parsed` (the document the job reads is parsed now), `page-limit-raised` (the deployment's page
 * limit now admits the PDF's pages), `never` (the same input gives the same answer).
 */
export const retryConditions = ["anytime", "document-parsed", "page-limit-raised", "never"] as const;
export type RetryCondition = (typeof retryConditions)[number];

/** Problem types, without `/problems/`, whose cause can change; every other permanent one is final. */
const conditions: Record<string, RetryCondition> = {
  // Every attempt failed on our side (the database, the model's endpoint): they recover, and the error says to retry once they have.
  "job-attempt-failed": "anytime",
  // The worker crashed running it, or the queue gave up delivering it: nothing was wrong with the job itself.
  "job-crashed": "anytime",
  "job-dead-lettered": "anytime",
  // The retry reserves its tokens again first, so it goes back only once the quota allows (429 until then).
  "quota-exceeded": "anytime",
  // The deployment's key, provider or model settings were wrong: an operator fixes them, and the same job then runs.
  "llm-unauthorized": "anytime",
  "llm-misconfigured": "anytime",
  "llm-rejected": "anytime",
  // A model's answer differs from one request to the next: the shape or the quotes it got wrong once it may get right.
  "llm-invalid-output": "anytime",
  "report-misquoted": "anytime",
  // The course's or the questions' document was not parsed when the job ran; once it is, the job can read it.
  "document-not-parsed": "document-parsed",
  // The same file has the same pages, but an operator may have raised MAX_PDF_PAGES since.
  "pdf-too-many-pages": "page-limit-raised",
};

/**
 * What a failed job's last error needs before running it again makes sense.
 * @example retryConditionOf({ type: "/problems/pdf-encrypted", title: "The PDF is password-protected", retryable: false }) // "never"
 */
export function retryConditionOf(error: JobError | null | undefined): RetryCondition {
  if (!error || error.retryable) return "anytime";
  return conditions[error.type.replace(/^\/problems\//, "")] ?? "never";
}

/**
 * The pages a `pdf-too-many-pages` failure counted, from its detail ("The PDF has 14 pages; …"), or null
 * when the detail does not say.
 */
export function pagesOfTooManyPages(error: Pick<JobError, "detail">): number | null {
  const pages = error.detail?.match(/\bhas (\d+) pages\b/)?.[1];
  return pages === undefined ? null : Number(pages);
}

/** The 409 for a retry of a job that would fail again. */
export function permanentFailure(error: Pick<JobError, "type" | "title">): ProblemError {
  return new ProblemError("conflict", {
    detail: `This job failed permanently: ${error.title}; running it again would fail the same way.`,
    extensions: { jobError: error.type },
  });
}
