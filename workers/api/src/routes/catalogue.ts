/**
 * What a student can study: the catalogue of published courses open to them
 * (the organisation's, and invited-only ones they were invited to), and their
 * own courses with progress.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { courses, enrolmentProgress, enrolments, progressView, visibleCourses } from "@studyhall/db";
import { and, desc, eq, sql } from "drizzle-orm";
import { currentUser } from "../middleware/auth.ts";
import { courseSchema, courseView, progressSchema } from "./courses/course-views.ts";
import { bearer, json, newRouter, pick } from "./openapi.ts";
import { iso } from "./views.ts";

const catalogueEntry = courseSchema.extend({ enrolled: z.boolean(), enrolledAt: z.string().nullable() }).openapi("CatalogueEntry");
const page = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const catalogueRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/catalogue",
      tags: ["learning"],
      security: bearer,
      summary: "Published courses you may enrol in, with whether you already are",
      request: { query: page },
      responses: {
        200: json(z.object({ items: z.array(catalogueEntry), limit: z.number(), offset: z.number() }), "The catalogue"),
        ...pick(400, 401, 429),
      },
    }),
    async (c) => {
      const me = currentUser(c);
      const { limit, offset } = c.req.valid("query");
      const rows = await c
        .get("db")
        .select({ course: courses, enrolledAt: enrolments.enrolledAt })
        .from(courses)
        .leftJoin(enrolments, and(eq(enrolments.courseId, courses.id), eq(enrolments.userId, me.id)))
        .where(and(visibleCourses(me), eq(courses.status, "PUBLISHED")))
        .orderBy(desc(courses.publishedAt), desc(courses.createdAt))
        .limit(limit)
        .offset(offset);
      const items = rows.map((r) => ({ ...courseView(r.course), enrolled: r.enrolledAt !== null, enrolledAt: iso(r.enrolledAt) }));
      return c.json({ items, limit, offset }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me/courses",
      tags: ["learning"],
      security: bearer,
      summary: "Your enrolled courses, each with your progress",
      request: { query: page },
      responses: {
        200: json(
          z.object({ items: z.array(courseSchema.extend({ progress: progressSchema })), limit: z.number(), offset: z.number() }),
          "Your courses",
        ),
        ...pick(400, 401, 429),
      },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const { limit, offset } = c.req.valid("query");
      // Only courses still visible: an unpublished course drops out of the list (its progress is kept).
      const progress = await enrolmentProgress(db, and(sql`e.user_id = ${me.id}`, visibleCourses(me))!, limit, offset);
      const courseRows = progress.length
        ? await db
            .select()
            .from(courses)
            .where(sql`${courses.id} in (select value from json_each(${JSON.stringify(progress.map((p) => p.courseId))}))`)
        : [];
      const byId = new Map(courseRows.map((row) => [row.id, row]));
      const items = progress.flatMap((p) => {
        const course = byId.get(p.courseId);
        return course ? [{ ...courseView(course), progress: progressView(p) }] : [];
      });
      return c.json({ items, limit, offset }, 200);
    },
  );
