/**
 * Exact global rate limits: each key (user and route class, or client IP) has
 * its own RateLimiter Durable Object. Every limited response carries the IETF
 * `RateLimit-Policy` / `RateLimit` fields and the familiar `X-RateLimit-*`;
 * a refused one is a 429 problem with `Retry-After`.
 */

import { type Config, ProblemError, type RateDecision } from "@studyhall/core";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { recordRateLimited } from "../metrics/recorder.ts";

export type RouteClass = "api" | "uploads" | "jobs" | "auth";

const PERIOD_MS = 60_000;

function limitFor(config: Config, routeClass: RouteClass): number {
  switch (routeClass) {
    case "api":
      return config.RATE_LIMIT_API_PER_MIN;
    case "uploads":
      return config.RATE_LIMIT_UPLOADS_PER_MIN;
    case "jobs":
      return config.RATE_LIMIT_JOBS_PER_MIN;
    case "auth":
      return config.RATE_LIMIT_AUTH_PER_MIN;
  }
}

/** The client's address as Cloudflare reports it. */
export function clientIp(headers: Headers): string {
  return headers.get("CF-Connecting-IP") ?? headers.get("X-Real-IP") ?? "unknown";
}

function headersFor(routeClass: RouteClass, decision: RateDecision): Record<string, string> {
  const window = PERIOD_MS / 1000;
  return {
    "RateLimit-Policy": `"${routeClass}";q=${decision.limit};w=${window}`,
    RateLimit: `"${routeClass}";r=${decision.remaining};t=${decision.resetSeconds}`,
    "X-RateLimit-Limit": String(decision.limit),
    "X-RateLimit-Remaining": String(decision.remaining),
    "X-RateLimit-Reset": String(decision.resetSeconds),
  };
}

/** Takes one unit from a key's bucket. */
export async function takeRate(env: ApiEnv, key: string, limit: number): Promise<RateDecision> {
  return env.RATE_LIMITER.getByName(key).take({ limit, periodMs: PERIOD_MS });
}

/**
 * Limits a route class: per user when authenticated (mount after
 * `authenticate()`), per client IP otherwise.
 */
export const rateLimit = (routeClass: RouteClass) =>
  createMiddleware<AppEnv>(async function rateLimit(c, next) {
    const user = c.get("user");
    const key = user ? `user:${user.id}:${routeClass}` : `ip:${clientIp(c.req.raw.headers)}:${routeClass}`;
    const decision = await takeRate(c.env, key, limitFor(c.get("config"), routeClass));
    const headers = headersFor(routeClass, decision);
    if (!decision.allowed) {
      recordRateLimited(routeClass);
      throw new ProblemError("rate-limited", {
        detail: `Limit of ${decision.limit} ${routeClass} requests per minute reached; retry in ${decision.retryAfterSeconds} s.`,
        headers: { ...headers, "Retry-After": String(decision.retryAfterSeconds) },
      });
    }
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  });
