/**
 * The client's one error: every response of 400 or more becomes a
 * `StudyhallProblemError` carrying the RFC 9457 problem document the API sent
 * (`type`, `title`, `status`, `detail`, `requestId`, `invalidParams`), so
 * callers branch on `error.type` instead of parsing bodies. A response that is
 * not a problem document (a proxy's HTML error page, say) still becomes one,
 * with type `about:blank` as RFC 9457 prescribes.
 */
import type { ProblemType } from "@studyhall/core";

/** One field a validation problem names. */
export interface InvalidParam {
  name: string;
  reason: string;
}

/** The problem document as sent, extension members included. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  invalidParams?: InvalidParam[];
  [extension: string]: unknown;
}

/**
 * A failed request, typed by its problem type.
 *
 * @example
 * try {
 *   await client.json(client.rpc.v1.courses[":id"].$get({ param: { id } }));
 * } catch (error) {
 *   if (error instanceof StudyhallProblemError && error.type === "not-found") showMissing();
 *   else throw error;
 * }
 */
export class StudyhallProblemError extends Error {
  /** The short problem type (`"not-found"`), or `"about:blank"` when the body was not a problem document. */
  readonly type: ProblemType | "about:blank" | (string & {});
  /** The type exactly as sent (`"/problems/not-found"`); `GET` it for a description. */
  readonly typeUri: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string | undefined;
  readonly instance: string | undefined;
  /** The id the API logged the request under (also `X-Request-Id`); quote it when reporting a failure. */
  readonly requestId: string | undefined;
  /** For `validation-failed`: every field that did not pass, with why. */
  readonly invalidParams: InvalidParam[];
  /** Seconds to wait before trying again, from `Retry-After` (rate limits, quotas). */
  readonly retryAfter: number | undefined;
  readonly document: ProblemDocument;

  constructor(document: ProblemDocument, headers?: Headers) {
    super(document.detail ? `${document.title}: ${document.detail}` : document.title);
    this.name = "StudyhallProblemError";
    this.typeUri = document.type;
    this.type = document.type.startsWith("/problems/") ? document.type.slice("/problems/".length) : document.type;
    this.title = document.title;
    this.status = document.status;
    this.detail = document.detail;
    this.instance = document.instance;
    this.requestId = document.requestId ?? headers?.get("X-Request-Id") ?? undefined;
    this.invalidParams = document.invalidParams ?? [];
    const retryAfter = Number(headers?.get("Retry-After"));
    this.retryAfter = headers?.has("Retry-After") && Number.isFinite(retryAfter) ? retryAfter : undefined;
    this.document = document;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function invalidParamsOf(value: unknown): InvalidParam[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter(isRecord).map((p) => ({ name: String(p.name ?? ""), reason: String(p.reason ?? "") }));
}

/**
 * Reads a failed response into a `StudyhallProblemError` (consuming its body).
 * Fields that are missing or of the wrong type fall back to what the status says.
 */
export async function problemFromResponse(response: Response): Promise<StudyhallProblemError> {
  const text = await response.text().catch(() => "");
  let body: unknown;
  if (/^application\/(problem\+)?json\b/i.test(response.headers.get("Content-Type") ?? "")) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  const fallbackTitle = response.statusText || `HTTP ${response.status}`;
  if (!isRecord(body) || typeof body.type !== "string") {
    return new StudyhallProblemError(
      { type: "about:blank", title: fallbackTitle, status: response.status, detail: text.slice(0, 500) || undefined },
      response.headers,
    );
  }
  const document: ProblemDocument = {
    ...body,
    type: body.type,
    title: typeof body.title === "string" ? body.title : fallbackTitle,
    status: typeof body.status === "number" ? body.status : response.status,
    detail: typeof body.detail === "string" ? body.detail : undefined,
    instance: typeof body.instance === "string" ? body.instance : undefined,
    requestId: typeof body.requestId === "string" ? body.requestId : undefined,
    invalidParams: invalidParamsOf(body.invalidParams),
  };
  return new StudyhallProblemError(document, response.headers);
}

/** The problem type of a 401 without consuming the response (to decide whether a refresh can help). */
export async function peekProblemType(response: Response): Promise<string | undefined> {
  try {
    const body: unknown = await response.clone().json();
    return isRecord(body) && typeof body.type === "string" ? body.type.replace(/^\/problems\//, "") : undefined;
  } catch {
    return undefined;
  }
}
