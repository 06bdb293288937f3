/** Operational endpoints at the root: liveness, readiness, the public signing keys, problem type pages. */
import { createRoute, z } from "@hono/zod-openapi";
import { keyRing } from "@studyhall/auth";
import { ProblemError, type ProblemType, problemTypes } from "@studyhall/core";
import { pingRelationalStore, relationalStore } from "@studyhall/db";
import { memoHeaders, windowedMemo } from "../ops-cache.ts";
import { json, newRouter } from "./openapi.ts";

const checkSchema = z.object({ ok: z.boolean(), ms: z.number(), error: z.string().optional() });
type Check = z.infer<typeof checkSchema>;

/** How long one round of readiness probes answers for, per isolate: a flood of probes reaches D1, KV and R2 once per window. */
export const READYZ_CACHE_MS = 5_000;
const probes = windowedMemo<[string, Check][]>(READYZ_CACHE_MS);

async function check(name: string, probe: () => Promise<unknown>): Promise<[string, Check]> {
  const started = Date.now();
  try {
    await probe();
    return [name, { ok: true, ms: Date.now() - started }];
  } catch (error) {
    // Name the dependency, never the internal error text.
    console.error(JSON.stringify({ level: "error", msg: "readiness check failed", check: name, error: String(error) }));
    return [name, { ok: false, ms: Date.now() - started, error: `${name} is not reachable` }];
  }
}

export const healthRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/healthz",
      tags: ["operations"],
      summary: "Liveness: the worker answers",
      responses: { 200: json(z.object({ status: z.literal("ok") }), "Up") },
    }),
    (c) => c.json({ status: "ok" as const }, 200, { "Cache-Control": "no-store" }),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/readyz",
      tags: ["operations"],
      summary: "Readiness: D1, KV and R2 answer (probed at most once per 5 s per isolate: X-Cache, Age, checkedAt)",
      responses: {
        200: json(z.object({ status: z.literal("ready"), checks: z.record(z.string(), checkSchema), checkedAt: z.string() }), "Ready"),
        503: json(
          z.object({
            status: z.literal("unavailable"),
            failed: z.array(z.string()),
            checks: z.record(z.string(), checkSchema),
            checkedAt: z.string(),
          }),
          "Not ready",
        ),
      },
    }),
    async (c) => {
      const result = await probes.get("readyz", () =>
        Promise.all([
          check(relationalStore(c.env), () => pingRelationalStore(c.env)),
          check("kv", () => c.env.LESSONS.get("readyz:probe")),
          check("r2", () => c.env.FILES.head("readyz/probe")),
        ]),
      );
      const checks = Object.fromEntries(result.value);
      const failed = result.value.filter(([, r]) => !r.ok).map(([name]) => name);
      const checkedAt = new Date(result.at).toISOString();
      const headers = memoHeaders(result);
      if (failed.length) return c.json({ status: "unavailable" as const, failed, checks, checkedAt }, 503, headers);
      return c.json({ status: "ready" as const, checks, checkedAt }, 200, headers);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/.well-known/jwks.json",
      tags: ["operations"],
      summary: "The public keys that verify studyhall access tokens",
      responses: { 200: json(z.object({ keys: z.array(z.record(z.string(), z.unknown())) }), "JSON Web Key Set") },
    }),
    async (c) => {
      const ring = await keyRing(c.get("config"));
      return c.json({ keys: ring.publicJwks as Record<string, unknown>[] }, 200, { "Cache-Control": "public, max-age=300" });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/problems/{type}",
      tags: ["operations"],
      summary: "What a problem type means",
      request: { params: z.object({ type: z.string().max(64) }) },
      responses: { 200: json(z.object({ type: z.string(), title: z.string(), status: z.number() }), "The problem type") },
    }),
    (c) => {
      const type = c.req.valid("param").type;
      if (!(type in problemTypes)) throw new ProblemError("not-found", { detail: "No such problem type." });
      const { title, status } = problemTypes[type as ProblemType];
      return c.json({ type: `/problems/${type}`, title, status }, 200, { "Cache-Control": "public, max-age=86400" });
    },
  );
