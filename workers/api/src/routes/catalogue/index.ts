/**
 * `/v1/catalogue`: the published courses a student may enrol in (the
 * organisation's, and invited-only ones they were invited to), with whether
 * they already are. Their own courses are `/v1/me/courses`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { catalogue } from "@studyhall/db";
import { currentUser } from "../../middleware/auth.ts";
import { courseSchema, courseView } from "../courses/course-views.ts";
import { bearer, json, newRouter, pick } from "../openapi.ts";
import { iso } from "../views.ts";

const catalogueEntry = courseSchema.extend({ enrolled: z.boolean(), enrolledAt: z.string().nullable() }).openapi("CatalogueEntry");
const page = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const catalogueRoutes = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/",
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
    const query = c.req.valid("query");
    const rows = await catalogue(c.get("db"), currentUser(c), query);
    const items = rows.map((r) => ({ ...courseView(r.course), enrolled: r.enrolledAt !== null, enrolledAt: iso(r.enrolledAt) }));
    return c.json({ items, limit: query.limit, offset: query.offset }, 200);
  },
);
