/**
 * Enrolling in a course (students, in a published course they can see) and
 * the course's students with their progress (its owner or an admin).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { courseStudents, enrol, leaveCourse, progressView } from "@studyhall/db";
import { recheckSessionAccess } from "@studyhall/objects";
import { currentUser, requireRole } from "../../middleware/auth.ts";
import { bearer, idParam, json, newRouter, pick } from "../openapi.ts";
import { iso } from "../views.ts";
import { progressSchema } from "./course-views.ts";

const enrolmentSchema = z
  .object({
    courseId: z.string(),
    userId: z.string(),
    enrolledAt: z.string(),
    completedAt: z.string().nullable(),
    lastActivityAt: z.string().nullable(),
  })
  .openapi("Enrolment");

const studentSchema = z
  .object({ userId: z.string(), name: z.string(), email: z.string(), progress: progressSchema })
  .openapi("EnrolledStudent");

export const enrolmentRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/enrolment",
      tags: ["learning"],
      security: bearer,
      middleware: [requireRole("student")] as const,
      summary: "Enrol in a published course (idempotent: 201 the first time, then 200)",
      request: { params: idParam },
      responses: { 200: json(enrolmentSchema, "Already enrolled"), 201: json(enrolmentSchema, "Enrolled"), ...pick(401, 403, 404, 429) },
    }),
    async (c) => {
      const { enrolment: row, created } = await enrol(c.get("db"), currentUser(c), c.req.valid("param").id);
      const view = {
        courseId: row.courseId,
        userId: row.userId,
        enrolledAt: iso(row.enrolledAt)!,
        completedAt: iso(row.completedAt),
        lastActivityAt: iso(row.lastActivityAt),
      };
      return created ? c.json(view, 201) : c.json(view, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}/enrolment",
      tags: ["learning"],
      security: bearer,
      summary: "Leave a course (lessons read and attempts are kept, should you enrol again)",
      request: { params: idParam },
      responses: { 204: { description: "No longer enrolled" }, ...pick(401, 404, 429) },
    }),
    async (c) => {
      const course = await leaveCourse(c.get("db"), currentUser(c), c.req.valid("param").id);
      // Leaving an invited-only course one was not invited to also leaves its study rooms.
      c.executionCtx.waitUntil(recheckSessionAccess(c.env, { kind: "course", courseId: course.id }));
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/students",
      tags: ["learning"],
      security: bearer,
      summary: "The course's enrolled students with their progress (its owner or an admin)",
      request: {
        params: idParam,
        query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), offset: z.coerce.number().int().min(0).default(0) }),
      },
      responses: {
        200: json(z.object({ items: z.array(studentSchema), limit: z.number(), offset: z.number() }), "Students"),
        ...pick(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const page = c.req.valid("query");
      const students = await courseStudents(c.get("db"), currentUser(c), c.req.valid("param").id, page);
      const items = students.map((s) => ({ userId: s.userId, name: s.name, email: s.email, progress: progressView(s.progress) }));
      return c.json({ items, limit: page.limit, offset: page.offset }, 200);
    },
  );
