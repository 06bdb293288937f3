/**
 * Live sessions: teachers open study rooms (for a course) and tutoring
 * sessions (with one student); whoever may join lists them, reads one with
 * who is connected now, and pages through its messages. The session's room
 * (a Durable Object) orders, stores and fans out the messages; connecting to
 * it is in socket.ts, moderating in moderation.ts.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { participantSchema, roomMessageSchema } from "@studyhall/core";
import { joinableSession, listSessions, openSession, visibleCourse } from "@studyhall/db";
import { currentUser, requireRole } from "../../middleware/auth.ts";
import { idempotent } from "../../middleware/idempotency.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "../openapi.ts";
import { room, sessionSchema, sessionView } from "./session-views.ts";

const entityId = z.string().min(1).max(64);
const title = z.string().trim().min(1).max(200);

const createBody = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("study-room"), courseId: entityId, title: title.optional() }),
    z.object({ kind: z.literal("tutoring"), studentId: entityId, courseId: entityId.optional(), title: title.optional() }),
  ])
  .openapi("SessionRequest");

const listQuery = z.object({
  status: z.enum(["open", "closed"]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
const historyQuery = z.object({
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const sessionListRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags: ["sessions"],
      security: bearer,
      middleware: [requireRole("admin", "teacher"), idempotent()] as const,
      summary: "Open a study room for a course, or a tutoring session with one student",
      request: { body: jsonBody(createBody) },
      responses: { 201: json(sessionSchema, "The open session"), ...pick(400, 401, 403, 404, 413, 415, 422, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const body = c.req.valid("json");
      const course = body.courseId ? await visibleCourse(db, me, body.courseId) : null;
      const session = await openSession(db, me, body, course, (s) =>
        room(c.env, s.id).init({
          sessionId: s.id,
          orgId: s.orgId,
          kind: s.kind,
          courseId: s.courseId,
          createdBy: s.createdBy,
          studentId: s.studentId,
          title: s.title,
        }),
      );
      return c.json(sessionView(session), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["sessions"],
      security: bearer,
      summary: "Sessions you may join, newest first",
      request: { query: listQuery },
      responses: {
        200: json(z.object({ items: z.array(sessionSchema), limit: z.number(), offset: z.number() }), "Sessions"),
        ...pick(400, 401, 429),
      },
    }),
    async (c) => {
      const { status, limit, offset } = c.req.valid("query");
      const rows = await listSessions(c.get("db"), currentUser(c), { status, limit, offset });
      return c.json({ items: rows.map(sessionView), limit, offset }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags: ["sessions"],
      security: bearer,
      summary: "One session, with who is connected now",
      request: { params: idParam },
      responses: { 200: json(sessionSchema.extend({ present: z.array(participantSchema) }), "The session"), ...pick(401, 404, 429) },
    }),
    async (c) => {
      const session = await joinableSession(c.get("db"), currentUser(c), c.req.valid("param").id);
      const present = session.status === "open" ? await room(c.env, session.id).presence() : [];
      return c.json({ ...sessionView(session), present }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/messages",
      tags: ["sessions"],
      security: bearer,
      summary: "The session's messages, newest page first (each page in ascending seq order); follow `nextBefore` for older ones",
      request: { params: idParam, query: historyQuery },
      responses: {
        200: json(z.object({ messages: z.array(roomMessageSchema), nextBefore: z.number().nullable() }), "A page of messages"),
        ...pick(400, 401, 404, 429),
      },
    }),
    async (c) => {
      const session = await joinableSession(c.get("db"), currentUser(c), c.req.valid("param").id);
      const { before, limit } = c.req.valid("query");
      return c.json(await room(c.env, session.id).history({ before, limit }), 200);
    },
  );
