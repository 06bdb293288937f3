/**
 * How a job handler tells the runner what happened when it did not finish:
 * a failure that retrying cannot fix, a wait that must not use up an attempt,
 * or a cancellation seen at a checkpoint. Anything else thrown is transient.
 */
import type { JobError } from "./job-contract.ts";

/**
 * Retrying would give the same answer: fail the job now, with this problem type. `detail` is shown to the
 * job's owner and admins, so it is written by us; raw text (SQL, a provider's response) goes in `cause`,
 * which only the log sees.
 */
export class PermanentJobError extends Error {
  // Fields assigned in the constructor rather than parameter properties: Node's type stripping runs the
  // scripts that load this module (scripts/d1-to-postgres.ts) and does not rewrite those.
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  constructor(type: string, title: string, detail: string, options?: { cause?: unknown }) {
    super(detail, options);
    this.type = type;
    this.title = title;
    this.detail = detail;
    this.name = "PermanentJobError";
  }

  toJobError(): JobError {
    return { type: `/problems/${this.type}`, title: this.title, detail: this.detail, retryable: false };
  }
}

/** The job must wait (a shared limit is full); it goes back on the queue without losing an attempt. */
export class DeferJob extends Error {
  readonly retryAfterMs: number;
  readonly reason: string;
  constructor(retryAfterMs: number, reason: string) {
    super(reason);
    this.retryAfterMs = retryAfterMs;
    this.reason = reason;
    this.name = "DeferJob";
  }
}

/** A cancellation was requested; the handler stopped at a checkpoint. */
export class JobCancelled extends Error {
  constructor() {
    super("cancelled");
    this.name = "JobCancelled";
  }
}

/** The consumer no longer holds the job (its lease expired and another took it): stop, commit nothing. */
export class LeaseLost extends Error {
  constructor() {
    super("lease lost");
    this.name = "LeaseLost";
  }
}

/** Which part of the platform an unexpected error came from, in words a user can act on (wait, or report it). */
function whatFailed(error: unknown): string {
  // An ORM or a library may wrap the error that says where it came from: look down the cause chain.
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (/^Llm(Unavailable|RateLimited)Error$/.test(e.name)) return "the model's endpoint did not answer in time or kept failing";
    // Drizzle's wrapper of a statement's error (either store), PostgreSQL's own errors, and D1's.
    if (e.message.startsWith("Failed query:") || e.name === "PostgresError" || /\bD1_|SQLITE/.test(e.message))
      return "the database could not complete a step";
  }
  return "an unexpected error stopped it on our side";
}

/** What became of a failed attempt: the job is retried after a delay, or has no attempts left. */
export interface AttemptOutcome {
  attempt: number;
  maxAttempts: number;
  /** Set when it will be retried. */
  retryInMs?: number;
}

/**
 * The job error recorded for an unexpected failure: what failed and whether it will be retried, in our
 * words. The error's own text (SQL, a provider's body, a stack) is for the log, never for this.
 * @example transientJobError(new Error("D1_ERROR: no such table"), { attempt: 1, maxAttempts: 4, retryInMs: 2000 })
 */
export function transientJobError(error: unknown, outcome: AttemptOutcome): JobError {
  const what = whatFailed(error);
  if (outcome.retryInMs !== undefined) {
    const seconds = Math.max(1, Math.round(outcome.retryInMs / 1000));
    return {
      type: "/problems/job-attempt-failed",
      title: "An attempt failed and will be retried",
      detail: `Attempt ${outcome.attempt} of ${outcome.maxAttempts} failed: ${what}. It will be retried automatically in about ${seconds} s.`,
      retryable: true,
    };
  }
  return {
    type: "/problems/job-attempt-failed",
    title: "The job failed after every retry",
    detail: `All ${outcome.attempt} attempts failed; the last one because ${what}. It will not be retried automatically; retry it once the cause is fixed, or quote the job id to report it.`,
    retryable: false,
  };
}
