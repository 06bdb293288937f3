/**
 * The one error model: every failure a client can see is a problem type from
 * this catalogue, rendered as RFC 9457 `application/problem+json` at the edge.
 * Packages throw `ProblemError`; only the API worker turns it into HTTP.
 */

/** Every problem type studyhall answers with, its HTTP status and its title. */
export const problemTypes = {
  "bad-request": { status: 400, title: "Bad request" },
  "malformed-json": { status: 400, title: "Malformed JSON body" },
  "validation-failed": { status: 400, title: "The request did not pass validation" },
  unauthenticated: { status: 401, title: "Authentication required" },
  "invalid-credentials": { status: 401, title: "Email or password is wrong" },
  "invalid-token": { status: 401, title: "The token is invalid" },
  "refresh-token-reused": { status: 401, title: "Refresh token reused; the session was revoked" },
  forbidden: { status: 403, title: "Not allowed" },
  "account-removed": { status: 403, title: "The account was removed from its organisation" },
  "not-found": { status: 404, title: "Not found" },
  "method-not-allowed": { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflict" },
  "invitation-invalid": { status: 409, title: "The invitation cannot be used" },
  "payload-too-large": { status: 413, title: "Payload too large" },
  "unsupported-media-type": { status: 415, title: "Unsupported media type" },
  "idempotency-key-reused": { status: 422, title: "Idempotency key reused with another request" },
  "rate-limited": { status: 429, title: "Too many requests" },
  "quota-exceeded": { status: 429, title: "Monthly quota exceeded" },
  internal: { status: 500, title: "Internal error" },
  "service-unavailable": { status: 503, title: "Service unavailable" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemType = keyof typeof problemTypes;

/** One invalid field of a validation problem. */
export interface InvalidParam {
  name: string;
  reason: string;
}

export interface ProblemOptions {
  detail?: string;
  /** Extension members, merged into the problem document. */
  extensions?: Record<string, unknown>;
  /** Extra response headers, such as `Retry-After` or `Allow`. */
  headers?: Record<string, string>;
  /** The underlying error; logged, never sent. */
  cause?: unknown;
}

/**
 * A failure a client should see, with its problem type.
 * @example throw new ProblemError("not-found", { detail: "No course with that id." })
 */
export class ProblemError extends Error {
  readonly type: ProblemType;
  readonly status: number;
  readonly title: string;
  readonly detail?: string;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(type: ProblemType, options: ProblemOptions = {}) {
    super(options.detail ?? problemTypes[type].title, { cause: options.cause });
    this.name = "ProblemError";
    this.type = type;
    this.status = problemTypes[type].status;
    this.title = problemTypes[type].title;
    this.detail = options.detail;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

/** The relative URI of a problem type; `GET /problems/:type` describes it. */
export function problemTypeUri(type: ProblemType): string {
  return `/problems/${type}`;
}

/** The RFC 9457 document for a problem. */
export function problemDocument(error: ProblemError, instance: string, requestId: string) {
  return {
    type: problemTypeUri(error.type),
    title: error.title,
    status: error.status,
    ...(error.detail ? { detail: error.detail } : {}),
    instance,
    requestId,
    ...error.extensions,
  };
}

export const notFound = (what = "resource") => new ProblemError("not-found", { detail: `No ${what} with that id is visible to you.` });

export const forbidden = (detail: string) => new ProblemError("forbidden", { detail });
