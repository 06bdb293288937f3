/**
 * Connecting to a session's room: whoever may join gets a short-lived,
 * single-use ticket and opens the WebSocket with it. The WebSocket route is
 * the one route under /v1/sessions without a bearer token: its ticket is the
 * authentication, and the room spends it.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { ProblemError } from "@studyhall/core";
import { joinableSession } from "@studyhall/db";
import { currentUser } from "../../middleware/auth.ts";
import { bearer, errors, idParam, json, newRouter, pick } from "../openapi.ts";
import { room } from "./session-views.ts";

const connectQuery = z.object({ ticket: z.string().max(200).optional(), lastSeq: z.coerce.number().int().min(0).optional() });

/** Turns the room's refusal of an upgrade into the problem a client sees. */
async function refusedUpgrade(response: Response): Promise<ProblemError> {
  const body = (await response.json().catch(() => ({}))) as { detail?: unknown };
  const detail = typeof body.detail === "string" ? body.detail : undefined;
  if (response.status === 401) return new ProblemError("invalid-token", { detail });
  if (response.status === 400) return new ProblemError("bad-request", { detail });
  return new ProblemError("service-unavailable", { detail: "The session room could not take the connection." });
}

export const socketRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/ticket",
      tags: ["sessions"],
      security: bearer,
      summary: "A single-use ticket (valid 30 s) to open the session's WebSocket with",
      request: { params: idParam },
      responses: {
        201: json(z.object({ ticket: z.string(), expiresAt: z.string(), url: z.string() }), "The ticket and the URL to connect to"),
        ...pick(401, 404, 409, 429),
      },
    }),
    async (c) => {
      const me = currentUser(c);
      const session = await joinableSession(c.get("db"), me, c.req.valid("param").id);
      if (session.status !== "open") throw new ProblemError("conflict", { detail: "This session is closed." });
      const { ticket, expiresAt } = await room(c.env, session.id).issueTicket({ userId: me.id, name: me.name, role: me.role });
      const url = new URL(`/v1/sessions/${session.id}/ws`, c.req.url);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      url.searchParams.set("ticket", ticket);
      return c.json({ ticket, expiresAt: new Date(expiresAt).toISOString(), url: url.toString() }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/ws",
      tags: ["sessions"],
      summary: "The live WebSocket (Upgrade: websocket). Authenticated by `ticket`; `lastSeq` replays what a returning client missed",
      request: { params: idParam, query: connectQuery },
      responses: { 101: { description: "Switching to the session's WebSocket protocol" }, 400: errors[400], 401: errors[401] },
    }),
    async (c) => {
      if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
        throw new ProblemError("bad-request", {
          detail: "Open this URL as a WebSocket (Upgrade: websocket).",
          headers: { Upgrade: "websocket" },
        });
      }
      if (!c.req.valid("query").ticket)
        throw new ProblemError("unauthenticated", { detail: "Connect with ?ticket= from POST /v1/sessions/{id}/ticket." });
      // The room spends the ticket; it knows no ticket for a session that does not exist.
      const response = await room(c.env, c.req.valid("param").id).fetch(c.req.raw);
      if (response.status !== 101) throw await refusedUpgrade(response);
      return response;
    },
  );
