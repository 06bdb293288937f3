/**
 * Enrolling in a course (students, in a published course they can see) and
 * the course's students with their progress (its owner or an admin).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { ProblemError } from "@studyhall/core";
import { assertCanEdit, enrolmentProgress, enrolments, progressView, users } from "@studyhall/db";
import { recheckSessionAccess } from "@studyhall/objects";
import { and, eq, sql } from "drizzle-orm";
import { currentUser, requireRole } from "../middleware/auth.ts";
import { progressSchema } from "./catalogue.ts";
import { visibleCourse } from "./lessons.ts";
import { bearer, idParam, json, newRouter, pick } from "./openapi.ts";
import { iso } from "./views.ts";

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
      const db = c.get("db");
      const me = currentUser(c);
      // A student sees only published courses open to them (see visibleCourses), so visible means enrollable.
      const course = await visibleCourse(db, me, c.req.valid("param").id);
      const inserted = await db
        .insert(enrolments)
        .values({ courseId: course.id, userId: me.id, orgId: me.orgId })
        .onConflictDoNothing()
        .returning();
      const row =
        inserted[0] ??
        (await db.query.enrolments.findFirst({ where: and(eq(enrolments.courseId, course.id), eq(enrolments.userId, me.id)) }))!;
      const view = {
        courseId: row.courseId,
        userId: row.userId,
        enrolledAt: iso(row.enrolledAt)!,
        completedAt: iso(row.completedAt),
        lastActivityAt: iso(row.lastActivityAt),
      };
      return inserted.length ? c.json(view, 201) : c.json(view, 200);
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
      const db = c.get("db");
      const me = currentUser(c);
      const course = await visibleCourse(db, me, c.req.valid("param").id);
      const removed = await db
        .delete(enrolments)
        .where(and(eq(enrolments.courseId, course.id), eq(enrolments.userId, me.id)))
        .returning({ userId: enrolments.userId });
      if (!removed.length) throw new ProblemError("not-found", { detail: "You are not enrolled in this course." });
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
      const db = c.get("db");
      const me = currentUser(c);
      const course = await visibleCourse(db, me, c.req.valid("param").id);
      assertCanEdit(me, course);
      const { limit, offset } = c.req.valid("query");
      const progress = await enrolmentProgress(db, sql`e.course_id = ${course.id}`, limit, offset);
      const people = progress.length
        ? await db
            .select({ id: users.id, name: users.name, email: users.email })
            .from(users)
            .where(
              and(
                eq(users.orgId, course.orgId),
                sql`${users.id} in (select value from json_each(${JSON.stringify(progress.map((p) => p.userId))}))`,
              ),
            )
        : [];
      const byId = new Map(people.map((p) => [p.id, p]));
      const items = progress.flatMap((p) => {
        const person = byId.get(p.userId);
        return person ? [{ userId: p.userId, name: person.name, email: person.email, progress: progressView(p) }] : [];
      });
      return c.json({ items, limit, offset }, 200);
    },
  );
