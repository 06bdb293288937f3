/**
 * `GET /metrics`: Prometheus text, scoped to who asks. The scrape credential
 * (METRICS_TOKEN) and platform operators get the platform's figures; an
 * organisation's admin gets that organisation's job and LLM figures only,
 * without the platform-wide request, cache and rate-limit counters; anyone
 * else is refused. Each scope's text is computed at most once per 15 s per
 * isolate (ops-cache.ts), however many scrape. The platform's also counts the
 * model keys by state, as the LLM gate holds them (refused ones are out of
 * the rotation: see README, "When a model key is refused").
 */
import { createRoute, z } from "@hono/zod-openapi";
import { constantTimeEqual } from "@studyhall/auth";
import { type Config, ProblemError } from "@studyhall/core";
import { type Db, type JobScope, PLATFORM_SCOPE } from "@studyhall/db";
import type { KeyState } from "@studyhall/objects";
import type { Context } from "hono";
import type { AppEnv } from "../env.ts";
import { renderMetrics } from "../metrics/prometheus.ts";
import { flushMetrics } from "../metrics/recorder.ts";
import { authenticate, currentUser } from "../middleware/auth.ts";
import { memoHeaders, windowedMemo } from "../ops-cache.ts";
import { newRouter, pick } from "./openapi.ts";

/** How long one scope's metrics text is served from the isolate's memo. */
export const METRICS_CACHE_MS = 15_000;
const memo = windowedMemo<string>(METRICS_CACHE_MS);
const encoder = new TextEncoder();

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** Compared as digests, so neither the token's content nor its length shows in the time taken. */
async function isScrapeToken(config: Config, token: string): Promise<boolean> {
  if (!config.METRICS_TOKEN) return false;
  return constantTimeEqual(await digest(token), await digest(config.METRICS_TOKEN));
}

/** Whose figures the caller may read: the scrape token's and platform operators' are the platform's. */
async function scopeOf(c: Context<AppEnv>, token: string): Promise<JobScope> {
  if (await isScrapeToken(c.get("config"), token)) return PLATFORM_SCOPE;
  // Otherwise an access token, checked exactly as on /v1 (the account's current role, not the token's).
  await authenticate()(c, async () => {});
  const me = currentUser(c);
  if (me.platformOperator) return PLATFORM_SCOPE;
  if (me.role === "admin") return { orgId: me.orgId };
  throw new ProblemError("forbidden", {
    detail: "Metrics are for organisation admins (their organisation's figures) and platform operators.",
  });
}

/** The configured model keys by state, counted by fingerprint (the gate never holds a key). */
function keyGauges(keys: readonly KeyState[]): string {
  const count = (state: KeyState["state"]) => keys.filter((k) => k.state === state).length;
  return [
    "# HELP studyhall_llm_keys Model API keys seen in the last day, by state (refused: left out after a 401 or 403)",
    "# TYPE studyhall_llm_keys gauge",
    `studyhall_llm_keys{state="active"} ${count("active")}`,
    `studyhall_llm_keys{state="refused"} ${count("refused")}`,
    "",
  ].join("\n");
}

async function compute(env: ApiEnv, db: Db, scope: JobScope): Promise<string> {
  const generatedAt = Date.now();
  if (scope !== PLATFORM_SCOPE) return renderMetrics(db, scope, undefined, generatedAt);
  await flushMetrics(env, true);
  const [counters, keys] = await Promise.all([env.COUNTERS.getByName("global").snapshot(), env.LLM_GATE.getByName("global").keys()]);
  return (await renderMetrics(db, scope, counters, generatedAt)) + keyGauges(keys);
}

export const metricsRoutes = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/metrics",
    tags: ["operations"],
    summary:
      "Metrics in Prometheus text format: the platform's for the METRICS_TOKEN credential or a platform operator, an organisation's for its admin; cached 15 s per scope (X-Cache, Age)",
    security: [{ bearerAuth: [] }],
    responses: {
      200: { description: "Prometheus text exposition format", content: { "text/plain": { schema: z.string() } } },
      ...pick(401, 403),
    },
  }),
  async (c) => {
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header("Authorization") ?? "")?.[1];
    if (!token)
      throw new ProblemError("unauthenticated", {
        detail: "Send an admin's access token or the metrics token as a bearer token.",
        headers: { "WWW-Authenticate": 'Bearer realm="metrics"' },
      });
    const scope = await scopeOf(c, token);
    const key = scope === PLATFORM_SCOPE ? PLATFORM_SCOPE : `org:${scope.orgId}`;
    const result = await memo.get(key, () => compute(c.env, c.get("db"), scope));
    return c.text(result.value, 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8", ...memoHeaders(result) });
  },
);
