/**
 * Live sessions: teachers open study rooms (for a course) and tutoring
 * sessions (with one student); whoever may join gets a short-lived ticket and
 * connects a WebSocket to the session's room (a Durable Object), which orders,
 * stores and fans out the messages. The WebSocket route is the one route under
 * /v1 without a bearer token: its single-use ticket is the authentication.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { notFound, ProblemError, participantSchema, roomMessageSchema } from "@studyhall/core";
import { assertCanModerate, type Db, type Session, sessions, users, visibleSessions } from "@studyhall/db";
import { and, desc, eq, isNull } from "drizzle-orm";
import type { CurrentUser } from "../env.ts";
import { currentUser, requireRole } from "../middleware/auth.ts";
import { idempotent } from "../middleware/idempotency.ts";
import { visibleCourse } from "./lessons.ts";
import { bearer, errors, idParam, json, jsonBody, newRouter, pick } from "./openapi.ts";
import { iso } from "./views.ts";

const entityId = z.string().min(1).max(64);
const title = z.string().trim().min(1).max(200);

const createBody = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("study-room"), courseId: entityId, title: title.optional() }),
    z.object({ kind: z.literal("tutoring"), studentId: entityId, courseId: entityId.optional(), title: title.optional() }),
  ])
  .openapi("SessionRequest");

export const sessionSchema = z
  .object({
    id: z.string(),
    kind: z.enum(["study-room", "tutoring"]),
    title: z.string(),
    courseId: z.string().nullable(),
    createdBy: z.string(),
    studentId: z.string().nullable(),
    status: z.enum(["open", "closed"]),
    createdAt: z.string(),
    closedAt: z.string().nullable(),
  })
  .openapi("Session");

const sessionView = (s: Session) => ({
  id: s.id,
  kind: s.kind,
  title: s.title,
  courseId: s.courseId,
  createdBy: s.createdBy,
  studentId: s.studentId,
  status: s.status,
  createdAt: iso(s.createdAt)!,
  closedAt: iso(s.closedAt),
});

const listQuery = z.object({
  status: z.enum(["open", "closed"]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
const historyQuery = z.object({
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const connectQuery = z.object({ ticket: z.string().max(200).optional(), lastSeq: z.coerce.number().int().min(0).optional() });
const messageParams = idParam.extend({ seq: z.coerce.number().int().positive() });
const muteBody = z.object({ userId: entityId, muted: z.boolean() }).openapi("MuteRequest");

/** A session the caller may see and join, or 404; the same rule the room holds its people to (nobody removed). */
async function visibleSession(db: Db, user: CurrentUser, id: string): Promise<Session> {
  const [row] = await db
    .select({ session: sessions })
    .from(sessions)
    .innerJoin(users, and(eq(users.id, user.id), isNull(users.removedAt)))
    .where(and(eq(sessions.id, id), visibleSessions(user)));
  if (!row) throw notFound("session");
  return row.session;
}

async function moderatedSession(db: Db, user: CurrentUser, id: string): Promise<Session> {
  const session = await visibleSession(db, user, id);
  assertCanModerate(user, session);
  return session;
}

const room = (env: ApiEnv, sessionId: string) => env.SESSION_ROOM.getByName(sessionId);

/** Turns the room's refusal of an upgrade into the problem a client sees. */
async function refusedUpgrade(response: Response): Promise<ProblemError> {
  const body = (await response.json().catch(() => ({}))) as { detail?: unknown };
  const detail = typeof body.detail === "string" ? body.detail : undefined;
  if (response.status === 401) return new ProblemError("invalid-token", { detail });
  if (response.status === 400) return new ProblemError("bad-request", { detail });
  return new ProblemError("service-unavailable", { detail: "The session room could not take the connection." });
}

export const sessionRoutes = newRouter()
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
      let defaultTitle = `Study room: ${course?.title ?? ""}`;
      if (body.kind === "tutoring") {
        const student = await db.query.users.findFirst({ where: and(eq(users.id, body.studentId), eq(users.orgId, me.orgId)) });
        if (!student) throw notFound("user");
        if (student.role !== "student")
          throw new ProblemError("bad-request", { detail: "A tutoring session is with a student of your organisation." });
        defaultTitle = course ? `Tutoring: ${student.name} (${course.title})` : `Tutoring: ${student.name}`;
      }
      const [session] = await db
        .insert(sessions)
        .values({
          orgId: me.orgId,
          kind: body.kind,
          title: (body.title ?? defaultTitle).slice(0, 200),
          courseId: course?.id ?? null,
          createdBy: me.id,
          studentId: body.kind === "tutoring" ? body.studentId : null,
        })
        .returning();
      const s = session!;
      try {
        await room(c.env, s.id).init({
          sessionId: s.id,
          orgId: s.orgId,
          kind: s.kind,
          courseId: s.courseId,
          createdBy: s.createdBy,
          studentId: s.studentId,
          title: s.title,
        });
      } catch (error) {
        // A session whose room was never set up could not be joined: do not leave it behind.
        await db.delete(sessions).where(eq(sessions.id, s.id));
        throw new ProblemError("service-unavailable", { detail: "The session room could not be set up; try again.", cause: error });
      }
      return c.json(sessionView(s), 201);
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
      const rows = await c
        .get("db")
        .select()
        .from(sessions)
        .where(and(visibleSessions(currentUser(c)), status ? eq(sessions.status, status) : undefined))
        .orderBy(desc(sessions.createdAt))
        .limit(limit)
        .offset(offset);
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
      const session = await visibleSession(c.get("db"), currentUser(c), c.req.valid("param").id);
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
      const session = await visibleSession(c.get("db"), currentUser(c), c.req.valid("param").id);
      const { before, limit } = c.req.valid("query");
      return c.json(await room(c.env, session.id).history({ before, limit }), 200);
    },
  )
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
      const session = await visibleSession(c.get("db"), me, c.req.valid("param").id);
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
  )
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
      const db = c.get("db");
      const me = currentUser(c);
      const session = await moderatedSession(db, me, c.req.valid("param").id);
      const { userId, muted } = c.req.valid("json");
      const target = await db.query.users.findFirst({ where: and(eq(users.id, userId), eq(users.orgId, me.orgId)) });
      if (!target) throw notFound("user");
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
      const db = c.get("db");
      const session = await moderatedSession(db, currentUser(c), c.req.valid("param").id);
      const [closed] = await db
        .update(sessions)
        .set({ status: "closed", closedAt: new Date() })
        .where(and(eq(sessions.id, session.id), eq(sessions.status, "open")))
        .returning();
      // Also when it was already closed here: a room that missed the first call is closed now.
      await room(c.env, session.id).closeRoom();
      return c.json(sessionView(closed ?? session), 200);
    },
  );
