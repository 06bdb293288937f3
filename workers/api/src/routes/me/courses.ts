/** `/v1/me/courses`: the courses you are enrolled in, each with your progress. */
import { createRoute, z } from "@hono/zod-openapi";
import { enrolledCourses, progressView } from "@studyhall/db";
import { currentUser } from "../../middleware/auth.ts";
import { courseSchema, courseView, progressSchema } from "../courses/course-views.ts";
import { bearer, json, newRouter, pick } from "../openapi.ts";

const page = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const myCourseRoutes = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/courses",
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
    const query = c.req.valid("query");
    const rows = await enrolledCourses(c.get("db"), currentUser(c), query);
    const items = rows.map((r) => ({ ...courseView(r.course), progress: progressView(r.progress) }));
    return c.json({ items, limit: query.limit, offset: query.offset }, 200);
  },
);
