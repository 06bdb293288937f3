/**
 * How a job handler tells the runner what happened when it did not finish:
 * a failure that retrying cannot fix, a wait that must not use up an attempt,
 * or a cancellation seen at a checkpoint. Anything else thrown is transient.
 */
import type { JobError } from "./job-contract";

/** Retrying would give the same answer: fail the job now, with this problem type. */
export class PermanentJobError extends Error {
  constructor(
    readonly type: string,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail);
    this.name = "PermanentJobError";
  }

  toJobError(): JobError {
    return { type: `/problems/${this.type}`, title: this.title, detail: this.detail, retryable: false };
  }
}

/** The job must wait (a shared limit is full); it goes back on the queue without losing an attempt. */
export class DeferJob extends Error {
  constructor(
    readonly retryAfterMs: number,
    readonly reason: string,
  ) {
    super(reason);
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

/** The job error recorded for a transient failure. */
export function transientJobError(error: unknown): JobError {
  const message = error instanceof Error ? error.message : String(error);
  return { type: "/problems/job-attempt-failed", title: "An attempt failed and will be retried", detail: message.slice(0, 500), retryable: true };
}
