/** Documents after upload: the caller's list, one with what the parser found, deleting one, generating a course from one. */
import { createRoute, z } from "@hono/zod-openapi";
import { lanes } from "@studyhall/core";
import { deleteDocument, documentViewOf, documentWithSections, generateCourseFromDocument, laneQueues, listDocuments } from "@studyhall/db";
import { announceJobs } from "@studyhall/objects";
import { deferTo } from "../../defer.ts";
import { currentUser } from "../../middleware/auth.ts";
import { idempotent } from "../../middleware/idempotency.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { jobSchema, jobView } from "../job-views.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "../openapi.ts";
import { documentSchema } from "./document-views.ts";

const courseRequest = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    audience: z.string().trim().max(200).optional(),
    moduleCount: z.number().int().min(1).max(20).optional(),
    priority: z.enum(lanes).default("normal"),
  })
  .openapi("CourseGenerationRequest");

export const libraryRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["documents"],
      security: bearer,
      summary: "Your documents (an admin sees the organisation's)",
      request: {
        query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(50), offset: z.coerce.number().int().min(0).default(0) }),
      },
      responses: {
        200: json(z.object({ items: z.array(documentSchema), limit: z.number(), offset: z.number() }), "Documents"),
        ...pick(401, 403, 429),
      },
    }),
    async (c) => {
      const { limit, offset } = c.req.valid("query");
      const rows = await listDocuments(c.get("db"), currentUser(c), { limit, offset });
      return c.json({ items: rows.map(documentViewOf), limit, offset }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags: ["documents"],
      security: bearer,
      summary: "A document: metadata, page count, parse status, outline and sections",
      request: { params: idParam },
      responses: {
        200: json(
          documentSchema.extend({
            sections: z.array(
              z.object({
                index: z.number(),
                title: z.string(),
                level: z.number(),
                pageStart: z.number(),
                pageEnd: z.number(),
                characters: z.number(),
              }),
            ),
            parseJob: jobSchema.nullable(),
          }),
          "The document",
        ),
        ...pick(401, 403, 404, 429),
      },
    }),
    async (c) => {
      const { document, sections, parseJob } = await documentWithSections(c.get("db"), currentUser(c), c.req.valid("param").id);
      return c.json({ ...documentViewOf(document), sections, parseJob: parseJob ? jobView(parseJob) : null }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags: ["documents"],
      security: bearer,
      summary: "Delete a document and its files (courses made from it stay)",
      request: { params: idParam },
      responses: { 204: { description: "Deleted" }, ...pick(401, 403, 404, 429) },
    }),
    async (c) => {
      const cancelled = await deleteDocument(c.get("db"), c.env.FILES, currentUser(c), c.req.valid("param").id);
      // A parse still waiting or running ends now: its subscribers hear it at once.
      c.executionCtx.waitUntil(announceJobs(c.env, cancelled));
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/course",
      tags: ["documents"],
      security: bearer,
      middleware: [rateLimit("jobs"), idempotent()] as const,
      summary: "Generate a course from a parsed document",
      request: { params: idParam, body: jsonBody(courseRequest) },
      responses: {
        202: json(
          z.object({
            job: jobSchema,
            courseId: z.string(),
            links: z.object({ status: z.string(), progress: z.string(), course: z.string() }),
          }),
          "Generation queued",
        ),
        ...pick(400, 401, 403, 404, 409, 422, 429),
      },
    }),
    async (c) => {
      const { priority, ...course } = c.req.valid("json");
      const { job, courseId } = await generateCourseFromDocument(
        c.get("db"),
        laneQueues(c.env),
        c.get("config"),
        currentUser(c),
        c.req.valid("param").id,
        { ...course, lane: priority },
        { defer: deferTo(c) },
      );
      return c.json(
        {
          job: jobView(job),
          courseId,
          links: { status: `/v1/jobs/${job.id}`, progress: `/v1/jobs/${job.id}/events`, course: `/v1/courses/${courseId}` },
        },
        202,
      );
    },
  );
