/**
 * Turns every failure into an RFC 9457 problem document with the request id.
 * Unknown errors are logged with their stack and answered with a bare 500:
 * no stack trace, SQL or internal name reaches a client. The relational store
 * being down or restarting (D1, or PostgreSQL through Hyperdrive) is not our
 * bug but a moment's outage: a 503 with Retry-After (`isStoreOutage`).
 */

import { type InvalidParam, ProblemError, problemDocument } from "@studyhall/core";
import { isStoreOutage } from "@studyhall/db";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./env.ts";

export function problemResponse(c: Context<AppEnv>, error: ProblemError): Response {
  const requestId = c.get("requestId") ?? crypto.randomUUID();
  const body = problemDocument(error, new URL(c.req.url).pathname, requestId);
  const headers = new Headers(error.headers);
  headers.set("Content-Type", "application/problem+json");
  headers.set("X-Request-Id", requestId);
  headers.set("Cache-Control", "no-store");
  return new Response(JSON.stringify(body), { status: error.status, headers });
}

function fromHttpException(error: HTTPException): ProblemError {
  if (error.status === 400 && /json/i.test(error.message)) {
    return new ProblemError("malformed-json", { detail: "The request body is not valid JSON." });
  }
  if (error.status === 413) return new ProblemError("payload-too-large", { detail: error.message || undefined });
  if (error.status === 415) return new ProblemError("unsupported-media-type", { detail: error.message || undefined });
  if (error.status === 401) return new ProblemError("unauthenticated", { detail: error.message || undefined });
  if (error.status === 403) return new ProblemError("forbidden", { detail: error.message || undefined });
  if (error.status === 404) return new ProblemError("not-found");
  return new ProblemError(error.status >= 500 ? "internal" : "bad-request", { detail: error.status < 500 ? error.message : undefined });
}

/** How long a client is asked to wait after an outage of the store underneath: it restarts and reconnects in seconds. */
export const OUTAGE_RETRY_AFTER_SECONDS = "5";

function unexpected(error: Error): ProblemError {
  if (isStoreOutage(error)) {
    return new ProblemError("service-unavailable", {
      detail: "The database did not answer just now. Try again in a few seconds; quote the request id if it keeps happening.",
      headers: { "Retry-After": OUTAGE_RETRY_AFTER_SECONDS },
      cause: error,
    });
  }
  return new ProblemError("internal", { detail: "Something went wrong on our side. Quote the request id if you report it." });
}

/** The messages below an error (drizzle's "Failed query" hides what D1 said in its cause), for the log. */
function causesOf(error: Error): { causes?: string[] } {
  const causes: string[] = [];
  for (let e: unknown = error.cause, depth = 0; e !== undefined && depth < 4; e = e instanceof Error ? e.cause : undefined, depth++)
    causes.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  return causes.length ? { causes } : {};
}

export function onError(error: Error, c: Context<AppEnv>): Response {
  const problem = error instanceof ProblemError ? error : error instanceof HTTPException ? fromHttpException(error) : unexpected(error);
  if (problem.status >= 500) {
    const cause = error instanceof ProblemError ? error.cause : error;
    console.error(
      JSON.stringify({
        level: "error",
        msg: "request failed",
        requestId: c.get("requestId"),
        method: c.req.method,
        path: new URL(c.req.url).pathname,
        error:
          cause instanceof Error
            ? { name: cause.name, message: cause.message, stack: cause.stack, ...causesOf(cause) }
            : String(cause ?? error),
      }),
    );
  }
  return problemResponse(c, problem);
}

/** A 400 naming every invalid field, from zod's issues. */
export function validationProblem(issues: readonly { path: readonly PropertyKey[]; message: string }[], target: string): ProblemError {
  const invalidParams: InvalidParam[] = issues.map((issue) => ({
    name: issue.path.length ? issue.path.map(String).join(".") : target,
    reason: issue.message,
  }));
  return new ProblemError("validation-failed", {
    detail: `The ${target} has ${invalidParams.length} invalid field${invalidParams.length === 1 ? "" : "s"}.`,
    extensions: { invalidParams },
  });
}
