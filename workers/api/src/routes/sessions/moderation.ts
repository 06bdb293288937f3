/**
 * Moderating a live session, for the teacher who opened it (while a teacher)
 * or an admin: deleting a message for everyone, muting a participant, and
 * closing the session (everyone is disconnected, the history stays).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { notFound } from "@studyhall/core";
import { closeSession, moderatedSession, sessionToMuteIn } from "@studyhall/db";
import { currentUser } from "../../middleware/auth.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "../openapi.ts";
import { room, sessionSchema, sessionView } from "./session-views.ts";

const entityId = z.string().min(1).max(64);
const messageParams = idParam.extend({ seq: z.coerce.number().int().positive() });
const muteBody = z.object({ userId: entityId, muted: z.boolean() }).openapi("MuteRequest");

export const moderationRoutes = newRouter()
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}/messages/{seq}",
      tags: ["sessions"],
      security: bearer,
      summary: "Delete a message for everyone (the teacher who opened the session, or an admin)",
      request: { params: messageParams },
      responses: { 204: { description: "Deleted" }, ...pick(401, 403, 404, 429) },
    }),
    async (c) => {
      const { id, seq } = c.req.valid("param");
      const session = await moderatedSession(c.get("db"), currentUser(c), id);
      if (!(await room(c.env, session.id).deleteMessage({ seq }))) throw notFound("message");
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/mute",
      tags: ["sessions"],
      security: bearer,
      summary: "Mute or unmute a participant: a muted participant's messages are refused (the teacher who opened the session, or an admin)",
      request: { params: idParam, body: jsonBody(muteBody) },
      responses: { 200: json(muteBody, "The participant's state now"), ...pick(400, 401, 403, 404, 413, 415, 429) },
    }),
    async (c) => {
      const { userId, muted } = c.req.valid("json");
      const session = await sessionToMuteIn(c.get("db"), currentUser(c), c.req.valid("param").id, userId);
      await room(c.env, session.id).setMute({ userId, muted });
      return c.json({ userId, muted }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/close",
      tags: ["sessions"],
      security: bearer,
      summary:
        "Close a session: everyone is disconnected, no one can join again, the history stays (the teacher who opened it, or an admin)",
      request: { params: idParam },
      responses: { 200: json(sessionSchema, "The closed session"), ...pick(401, 403, 404, 429) },
    }),
    async (c) => {
      const session = await closeSession(c.get("db"), currentUser(c), c.req.valid("param").id);
      // Also when it was already closed here: a room that missed the first call is closed now.
      await room(c.env, session.id).closeRoom();
      return c.json(sessionView(session), 200);
    },
  );
