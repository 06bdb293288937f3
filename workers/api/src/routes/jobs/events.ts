/**
 * Following a job live, served by its channel (a Durable Object per job that
 * the consumers publish to): `GET /v1/jobs/{id}/events` (Server-Sent Events),
 * `GET /v1/jobs/{id}/ws` (WebSocket) and `POST /v1/jobs/{id}/ticket`.
 * Browsers cannot send an Authorization header with a WebSocket or an
 * EventSource, so both accept a short-lived single-use ticket instead; the
 * event stream also takes the bearer token. app.ts therefore leaves these two
 * GETs to authenticate here.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { type JobSnapshot, ProblemError } from "@studyhall/core";
import { jobSnapshotOf, visibleJob } from "@studyhall/db";
import { JOB_SEED_HEADER } from "@studyhall/objects";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../env.ts";
import { authenticate, currentUser } from "../../middleware/auth.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { bearer, idParam, json, newRouter, pick } from "../openapi.ts";

const ticketQuery = z.object({ ticket: z.string().max(100).optional() });

/** A ticket in the query, or else the bearer token and the general API limit, as on every other route. */
const ticketOrBearer = () =>
  createMiddleware<AppEnv>(async function ticketOrBearer(c, next) {
    if (c.req.query("ticket") !== undefined) return next();
    await authenticate()(c, async () => {
      await rateLimit("api")(c, next);
    });
  });

type Subscription = { ticket: string } | { seed: JobSnapshot };

/** Hands a subscription to the job's channel and returns its stream or socket; a refusal becomes a problem. */
async function subscribe(c: Context<AppEnv>, jobId: string, kind: "ws" | "events", how: Subscription): Promise<Response> {
  const url = new URL(`https://job-channel/${kind}`);
  const headers = new Headers();
  if ("ticket" in how) url.searchParams.set("ticket", how.ticket);
  else headers.set(JOB_SEED_HEADER, JSON.stringify(how.seed));
  if (kind === "ws") headers.set("Upgrade", "websocket");
  const response = await c.env.JOB_CHANNEL.getByName(jobId).fetch(url, { headers });
  // Copies, so middleware can still add its headers (a fetched response's are immutable).
  if (response.status === 101) return new Response(null, { status: 101, webSocket: response.webSocket, headers: response.headers });
  if (response.status === 200) return new Response(response.body, response);
  const detail = ((await response.json().catch(() => ({}))) as { detail?: string }).detail;
  if (response.status === 401) {
    throw new ProblemError("invalid-token", {
      detail: `${detail ?? "The ticket is not valid."} Ask for a new one with POST /v1/jobs/${jobId}/ticket.`,
    });
  }
  if (response.status === 404) throw new ProblemError("not-found", { detail: "No job with that id is visible to you." });
  throw new ProblemError(response.status < 500 ? "bad-request" : "internal", { detail });
}

const ticketSchema = z
  .object({
    ticket: z.string(),
    expiresAt: z.string(),
    links: z.object({ ws: z.string(), events: z.string() }),
  })
  .openapi("JobTicket");

export const jobEventRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/events",
      tags: ["jobs"],
      security: bearer,
      middleware: [ticketOrBearer()] as const,
      summary: "Follow a job's progress live (text/event-stream): the current state first, then each change; a bearer token or `?ticket=`",
      request: { params: idParam, query: ticketQuery },
      responses: {
        200: {
          description: "`progress` events (the job as GET /v1/jobs/{id} shows it), ending with `end` once it has finished",
          content: { "text/event-stream": { schema: z.string() } },
        },
        ...pick(401, 404, 429),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { ticket } = c.req.valid("query");
      if (ticket !== undefined) return subscribe(c, id, "events", { ticket });
      const job = await visibleJob(c.get("db"), currentUser(c), id);
      return subscribe(c, id, "events", { seed: jobSnapshotOf(job) });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/ws",
      tags: ["jobs"],
      summary: "Follow a job's progress over a WebSocket, with a ticket from POST /v1/jobs/{id}/ticket: `progress` frames, then `end`",
      request: { params: idParam, query: ticketQuery },
      responses: {
        101: { description: "Switching protocols: JSON frames `{type:'progress', job}` then `{type:'end', status}`" },
        ...pick(400, 401),
      },
    }),
    async (c) => {
      if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
        throw new ProblemError("bad-request", { detail: "This is a WebSocket endpoint: send Upgrade: websocket." });
      }
      const { ticket } = c.req.valid("query");
      if (ticket === undefined)
        throw new ProblemError("unauthenticated", { detail: `Send ?ticket= from POST /v1/jobs/${c.req.valid("param").id}/ticket.` });
      return subscribe(c, c.req.valid("param").id, "ws", { ticket });
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/ticket",
      tags: ["jobs"],
      security: bearer,
      summary: "A single-use ticket, valid for 30 seconds, to open the job's WebSocket or event stream without a header",
      request: { params: idParam },
      responses: { 201: json(ticketSchema, "The ticket and the URLs it opens"), ...pick(401, 404, 429) },
    }),
    async (c) => {
      const job = await visibleJob(c.get("db"), currentUser(c), c.req.valid("param").id);
      const { ticket, expiresAt } = await c.env.JOB_CHANNEL.getByName(job.id).issueTicket({
        userId: currentUser(c).id,
        seed: jobSnapshotOf(job),
      });
      const query = `?ticket=${encodeURIComponent(ticket)}`;
      return c.json(
        {
          ticket,
          expiresAt: new Date(expiresAt).toISOString(),
          links: { ws: `/v1/jobs/${job.id}/ws${query}`, events: `/v1/jobs/${job.id}/events${query}` },
        },
        201,
        { "Cache-Control": "no-store" },
      );
    },
  );
