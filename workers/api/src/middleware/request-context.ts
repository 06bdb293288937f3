/**
 * First middleware of every request: a request id (the caller's, if it is a
 * sane one, else a new UUID) echoed as `X-Request-Id`, the parsed
 * configuration, request metrics, and a structured log line for every failed
 * request and a sampled share of the rest (`LOG_LEVEL`, `LOG_SAMPLE_RATE`).
 */

import { ConfigError, ProblemError, requestLogLevel, writeLog } from "@studyhall/core";
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import { type ApiConfig, apiConfig } from "../config.ts";
import type { AppEnv } from "../env.ts";
import { flushMetrics, recordRequest } from "../metrics/recorder.ts";

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * The configuration, or a 503 while it cannot be used: the client learns only that the deployment is
 * misconfigured; the log (through the error's cause) names each variable and its bound, never a value.
 */
function configFor(env: object): ApiConfig {
  try {
    return apiConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ProblemError("service-unavailable", {
      detail: "This deployment is misconfigured, so it cannot answer requests yet. Its operators can see why in its logs.",
      cause: error,
    });
  }
}

export const requestContext = () =>
  createMiddleware<AppEnv>(async function requestContext(c, next) {
    const incoming = c.req.header("X-Request-Id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    c.set("config", configFor(c.env));
    const started = Date.now();
    await next();
    c.header("X-Request-Id", requestId);
    // The route template, not the path, keeps the label set small; a miss matched only middleware.
    const matched = routePath(c, -1);
    recordRequest(matched.endsWith("*") ? "unmatched" : matched, c.req.method, c.res.status, Date.now() - started);
    try {
      c.executionCtx.waitUntil(flushMetrics(c.env));
    } catch {
      // No execution context (a request made in-process): metrics wait for the next flush.
    }
    const config = c.get("config");
    const level = requestLogLevel(config, c.res.status);
    if (level) {
      writeLog(config, level, "request", {
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Date.now() - started,
        userId: c.get("user")?.id,
      });
    }
  });
