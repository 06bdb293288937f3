/** Courses: teachers create and publish them; students see them once published. */
import { createRoute, z } from "@hono/zod-openapi";
import { forbidden, notFound } from "@studyhall/core";
import { assertCanEdit, assertCanOwn, type Course, canOwnSql, courseStatuses, courses, visibleCourses } from "@studyhall/db";
import { recheckSessionAccess } from "@studyhall/objects";
import { and, desc, eq } from "drizzle-orm";
import { currentUser, requireRole } from "../middleware/auth.ts";
import { courseOutline, outlineSchema, visibleCourse } from "./lessons.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "./openapi.ts";
import { iso } from "./views.ts";

export const courseSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    audience: z.string().nullable(),
    status: z.enum(courseStatuses),
    visibility: z.enum(["org", "invited"]),
    ownerId: z.string(),
    documentId: z.string().nullable(),
    jobId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    publishedAt: z.string().nullable(),
  })
  .openapi("Course");

export const courseView = (c: Course) => ({
  id: c.id,
  title: c.title,
  description: c.description,
  audience: c.audience,
  status: c.status,
  visibility: c.visibility,
  ownerId: c.ownerId,
  documentId: c.documentId,
  jobId: c.jobId,
  createdAt: iso(c.createdAt)!,
  updatedAt: iso(c.updatedAt)!,
  publishedAt: iso(c.publishedAt),
});

const courseBody = z
  .object({
    title: z.string().trim().min(1).max(200),
    description: z.string().max(5000).optional(),
    audience: z.string().trim().max(200).optional(),
  })
  .openapi("CourseRequest");

const coursePatch = courseBody
  .partial()
  // Who may find and enrol once published: the whole organisation, or invited students only.
  .extend({
    status: z.enum(["DRAFT", "PUBLISHED"]).optional(),
    visibility: z.enum(["org", "invited"]).optional(),
    /** Admins only: hand the course to another teacher or admin of the organisation. */
    ownerId: z.string().min(1).max(64).optional(),
  })
  .openapi("CoursePatch");

const listQuery = z.object({
  status: z.enum(courseStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const courseRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags: ["courses"],
      security: bearer,
      middleware: [requireRole("admin", "teacher")] as const,
      summary: "Create an empty draft course",
      request: { body: jsonBody(courseBody) },
      responses: { 201: json(courseSchema, "The draft course"), ...pick(400, 401, 403, 413, 415, 429) },
    }),
    async (c) => {
      const me = currentUser(c);
      const body = c.req.valid("json");
      const [course] = await c
        .get("db")
        .insert(courses)
        .values({
          orgId: me.orgId,
          ownerId: me.id,
          title: body.title,
          description: body.description ?? "",
          audience: body.audience ?? null,
        })
        .returning();
      return c.json(courseView(course!), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["courses"],
      security: bearer,
      summary: "Courses you can see",
      request: { query: listQuery },
      responses: {
        200: json(z.object({ items: z.array(courseSchema), limit: z.number(), offset: z.number() }), "Courses"),
        ...pick(400, 401, 429),
      },
    }),
    async (c) => {
      const { status, limit, offset } = c.req.valid("query");
      const rows = await c
        .get("db")
        .select()
        .from(courses)
        .where(and(visibleCourses(currentUser(c)), status ? eq(courses.status, status) : undefined))
        .orderBy(desc(courses.createdAt))
        .limit(limit)
        .offset(offset);
      return c.json({ items: rows.map(courseView), limit, offset }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags: ["courses"],
      security: bearer,
      summary: "One course",
      request: { params: idParam },
      responses: { 200: json(courseSchema.extend({ modules: outlineSchema }), "The course and its outline"), ...pick(401, 404, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const course = await visibleCourse(db, currentUser(c), c.req.valid("param").id);
      return c.json({ ...courseView(course), modules: await courseOutline(db, course.id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags: ["courses"],
      security: bearer,
      summary: "Edit or publish a course (its owner or an admin); an admin may also hand it to another teacher (ownerId)",
      request: { params: idParam, body: jsonBody(coursePatch) },
      responses: { 200: json(courseSchema, "The updated course"), ...pick(400, 401, 403, 404, 413, 415, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const [course] = await db
        .select()
        .from(courses)
        .where(and(eq(courses.id, c.req.valid("param").id), visibleCourses(me)));
      if (!course) throw notFound("course");
      assertCanEdit(me, course);
      const patch = c.req.valid("json");
      if (patch.ownerId !== undefined && patch.ownerId !== course.ownerId) {
        if (me.role !== "admin") throw forbidden("Only an admin can hand a course to another teacher.");
        await assertCanOwn(db, me.orgId, patch.ownerId, "ownerId");
      }
      const publishing = patch.status === "PUBLISHED" && course.status !== "PUBLISHED";
      const [updated] = await db
        .update(courses)
        .set({ ...patch, ...(publishing ? { publishedAt: new Date() } : {}) })
        // Checked again in the write: a new owner removed or demoted meanwhile does not receive the course.
        .where(and(eq(courses.id, course.id), patch.ownerId ? canOwnSql(me.orgId, patch.ownerId) : undefined))
        .returning();
      if (!updated) {
        // Nothing written: the new owner was removed or demoted meanwhile, or the course was deleted.
        if (patch.ownerId) await assertCanOwn(db, me.orgId, patch.ownerId, "ownerId");
        throw notFound("course");
      }
      // Who sees the course may have changed: its open rooms re-check who may stay.
      if (patch.status !== undefined || patch.visibility !== undefined)
        c.executionCtx.waitUntil(recheckSessionAccess(c.env, { kind: "course", courseId: course.id }));
      return c.json(courseView(updated), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags: ["courses"],
      security: bearer,
      summary: "Delete a course (its owner or an admin)",
      request: { params: idParam },
      responses: { 204: { description: "Deleted" }, ...pick(401, 403, 404, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const [course] = await db
        .select()
        .from(courses)
        .where(and(eq(courses.id, c.req.valid("param").id), visibleCourses(me)));
      if (!course) throw notFound("course");
      assertCanEdit(me, course);
      await db.delete(courses).where(eq(courses.id, course.id));
      c.executionCtx.waitUntil(recheckSessionAccess(c.env, { kind: "course-deleted", orgId: course.orgId }));
      return c.body(null, 204);
    },
  );
