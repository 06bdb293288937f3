/** Courses: teachers create and publish them; students see them once published. */
import { createRoute, z } from "@hono/zod-openapi";
import { courseStatuses, courseWithOutline, createCourse, deleteCourse, listCourses, updateCourse } from "@studyhall/db";
import { announceJobs, recheckSessionAccess } from "@studyhall/objects";
import { currentUser, requireRole } from "../../middleware/auth.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "../openapi.ts";
import { courseSchema, courseView, outlineSchema } from "./course-views.ts";

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

export const courseCrudRoutes = newRouter()
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
    async (c) => c.json(courseView(await createCourse(c.get("db"), currentUser(c), c.req.valid("json"))), 201),
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
      const query = c.req.valid("query");
      const rows = await listCourses(c.get("db"), currentUser(c), query);
      return c.json({ items: rows.map(courseView), limit: query.limit, offset: query.offset }, 200);
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
      const { course, modules } = await courseWithOutline(c.get("db"), currentUser(c), c.req.valid("param").id);
      return c.json({ ...courseView(course), modules }, 200);
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
      const patch = c.req.valid("json");
      const updated = await updateCourse(c.get("db"), currentUser(c), c.req.valid("param").id, patch);
      // Who sees the course may have changed: its open rooms re-check who may stay.
      if (patch.status !== undefined || patch.visibility !== undefined)
        c.executionCtx.waitUntil(recheckSessionAccess(c.env, { kind: "course", courseId: updated.id }));
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
      const stores = { files: c.env.FILES, lessons: c.env.LESSONS };
      const { course, cancelled } = await deleteCourse(c.get("db"), stores, currentUser(c), c.req.valid("param").id);
      c.executionCtx.waitUntil(recheckSessionAccess(c.env, { kind: "course-deleted", orgId: course.orgId }));
      // The jobs that worked on it end now: their subscribers hear it at once.
      c.executionCtx.waitUntil(announceJobs(c.env, cancelled));
      return c.body(null, 204);
    },
  );
