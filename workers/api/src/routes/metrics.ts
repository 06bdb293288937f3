/** `GET /metrics`: Prometheus text, for an admin's token or the METRICS_TOKEN secret. */
import { createRoute, z } from "@hono/zod-openapi";
import { ProblemError } from "@studyhall/core";
import { constantTimeEqual, verifyAccessToken } from "@studyhall/auth";
import { users } from "@studyhall/db";
import { eq } from "drizzle-orm";
import { flushMetrics } from "../metrics/recorder";
import { renderMetrics } from "../metrics/prometheus";
import { newRouter, pick } from "./openapi";

const encoder = new TextEncoder();

export const metricsRoutes = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/metrics",
    tags: ["operations"],
    summary: "Metrics in Prometheus text format (an admin's bearer token, or the METRICS_TOKEN secret)",
    security: [{ bearerAuth: [] }],
    responses: { 200: { description: "Prometheus text exposition format", content: { "text/plain": { schema: z.string() } } }, ...pick(401, 403) },
  }),
  async (c) => {
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header("Authorization") ?? "")?.[1];
    if (!token) throw new ProblemError("unauthenticated", { detail: "Send an admin's access token or the metrics token as a bearer token.", headers: { "WWW-Authenticate": 'Bearer realm="metrics"' } });
    const secret = (c.env as unknown as { METRICS_TOKEN?: string }).METRICS_TOKEN;
    const bySecret = secret !== undefined && secret.length >= 16 && constantTimeEqual(encoder.encode(token), encoder.encode(secret));
    if (!bySecret) {
      const principal = await verifyAccessToken(c.get("config"), token);
      if (principal.source !== "studyhall") throw new ProblemError("forbidden", { detail: "Metrics are for admins." });
      const user = await c.get("db").query.users.findFirst({ where: eq(users.id, principal.userId) });
      if (!user || user.role !== "admin") throw new ProblemError("forbidden", { detail: "Metrics are for admins." });
    }
    await flushMetrics(c.env, true);
    const counters = await c.env.COUNTERS.getByName("global").snapshot();
    return c.text(await renderMetrics(c.get("db"), counters), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store" });
  },
);
