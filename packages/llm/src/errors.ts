/**
 * The two kinds of failure a job handler must tell apart: transient ones
 * (retry the message later, with the delay the provider asked for) and
 * permanent ones (fail the job now; retrying would give the same answer).
 */

import type { TokenUsage } from "./provider.ts";

/** Base class; `transient` says whether the same call may succeed later. */
export class LlmError extends Error {
  readonly transient: boolean;
  /** Tokens spent before the failure (a repair round that still failed costs tokens too). */
  usage: TokenUsage | undefined;

  constructor(message: string, transient: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LlmError";
    this.transient = transient;
  }
}

/**
 * Every key was rate limited and the retries ran out. Re-queue the job after
 * `retryAfterMs`.
 *
 * @example
 * catch (e) { if (e instanceof LlmRateLimitedError) message.retry({ delaySeconds: Math.ceil(e.retryAfterMs / 1000) }); }
 */
export class LlmRateLimitedError extends LlmError {
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number, options?: { cause?: unknown }) {
    super(`LLM rate limited; retry after ${retryAfterMs} ms`, true, options);
    this.name = "LlmRateLimitedError";
    this.retryAfterMs = retryAfterMs;
  }
}

/** The endpoint kept failing (5xx, timeouts, connection errors) through every retry. */
export class LlmUnavailableError extends LlmError {
  readonly status: number | undefined;

  constructor(message: string, status: number | undefined, options?: { cause?: unknown }) {
    super(message, true, options);
    this.name = "LlmUnavailableError";
    this.status = status;
  }
}

/** Why a call can never succeed as made. */
export type LlmPermanentReason =
  /** The model's output failed validation, even after one repair round. */
  | "invalid-output"
  /** The endpoint refused the request (400, 404, 422: wrong model, prompt too long). */
  | "rejected"
  /** The keys were refused (401, 403). */
  | "unauthorized"
  /** The provider is misconfigured (for example `openai` without keys). */
  | "misconfigured"
  /** The input holds no prose to teach from (a scanned PDF without text, only a reference list). */
  | "no-teachable-text"
  /** The input does not fit the outline (a module or lesson index that does not exist). */
  | "bad-input";

/**
 * What a job's owner is told for each reason, written by us: the error's `message` may quote the
 * provider's response or the model's output, which belong in the log only.
 */
const PUBLIC_DETAILS: Record<LlmPermanentReason, string> = {
  "invalid-output":
    "The model's answer did not have the shape this step needs, even after one repair round. It will not be retried automatically.",
  rejected:
    "The model's endpoint refused the request (a model name or a limit of the account it does not accept). It will not be retried automatically.",
  unauthorized: "The model's endpoint refused this deployment's API key. It will not be retried until an operator fixes the key.",
  misconfigured: "The model provider is not configured correctly on this deployment. It will not be retried until an operator fixes it.",
  "no-teachable-text": "The document holds no prose to teach from (a scan without text, or only a reference list). It will not be retried.",
  "bad-input": "The job asked for a part of the course outline that does not exist. It will not be retried.",
};

/** A failure that retrying will not fix; fail the job and record `reason`. */
export class LlmPermanentError extends LlmError {
  readonly reason: LlmPermanentReason;
  /** Safe to show to the job's owner; `message` is for the log. */
  readonly publicDetail: string;

  constructor(reason: LlmPermanentReason, message: string, options?: { cause?: unknown }) {
    super(message, false, options);
    this.name = "LlmPermanentError";
    this.reason = reason;
    this.publicDetail = PUBLIC_DETAILS[reason];
  }
}

/** True for errors worth retrying later (rate limits, outages). */
export function isTransientLlmError(error: unknown): error is LlmRateLimitedError | LlmUnavailableError {
  return error instanceof LlmError && error.transient;
}
