/**
 * Exact global rate limits: each key (user and route class, or client IP) has
 * its own RateLimiter Durable Object. The costly classes (sign-in, uploads,
 * jobs) ask it on every request, as they are rare and each one matters; the
 * general API limit spends permits the isolate leased from it
 * (`rate-leases.ts`), so a limit far from reached costs a request no round
 * trip. Every limited response carries the IETF
 * `RateLimit-Policy` / `RateLimit` fields and the familiar `X-RateLimit-*`;
 * a refused one is a 429 problem with `Retry-After`.
 */

import { type Config, ProblemError, type RateDecision } from "@studyhall/core";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { recordRateLimited } from "../metrics/recorder.ts";
import { spendLeased } from "./rate-leases.ts";

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

/** One request's permit of a key, leased in batches for the general API class and taken one by one for the rest. */
function decide(c: Context<AppEnv>, key: string, routeClass: RouteClass): Promise<RateDecision> {
  const config = c.get("config");
  const limit = limitFor(config, routeClass);
  if (routeClass !== "api") return takeRate(c.env, key, limit);
  return spendLeased(key, () => c.env.RATE_LIMITER.getByName(key), {
    limit,
    periodMs: PERIOD_MS,
    leaseMs: config.RATE_LIMIT_LEASE_SECONDS * 1000,
    waitUntil: (promise) => waitUntil(c, promise),
  });
}

function waitUntil(c: Context<AppEnv>, promise: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(promise);
  } catch {
    // No execution context (a request made in-process): the promise runs on by itself.
  }
}

/**
 * Limits a route class: per user when authenticated (mount after
 * `authenticate()`), per client IP otherwise.
 */
export const rateLimit = (routeClass: RouteClass) =>
  createMiddleware<AppEnv>(async function rateLimit(c, next) {
    const user = c.get("user");
    const key = user ? `user:${user.id}:${routeClass}` : `ip:${clientIp(c.req.raw.headers)}:${routeClass}`;
    const decision = await decide(c, key, routeClass);
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
