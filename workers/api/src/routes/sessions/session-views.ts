/** How sessions are shown to clients, and the room (a Durable Object) each one has, by the session's id. */
import { z } from "@hono/zod-openapi";
import type { Session } from "@studyhall/db";
import { iso } from "../views.ts";

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

export const sessionView = (s: Session) => ({
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

export const room = (env: ApiEnv, sessionId: string) => env.SESSION_ROOM.getByName(sessionId);
