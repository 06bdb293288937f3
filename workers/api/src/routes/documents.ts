/** Documents: upload a PDF, see what the parser found, delete it, generate a course from it. */
import { createRoute, z } from "@hono/zod-openapi";
import { sha256Hex } from "@studyhall/auth";
import { estimateTokens, lanes, notFound, outlineEntrySchema, ProblemError } from "@studyhall/core";
import {
  acceptUpload,
  createCourseGeneration,
  type Db,
  deleteDocumentFiles,
  documentKeys,
  documentSections,
  documents,
  documentTextChars,
  documentViewOf,
  jobs,
  laneQueues,
  reserveFor,
  type UploadReplays,
} from "@studyhall/db";
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { validationProblem } from "../errors.ts";
import { currentUser, requireRole } from "../middleware/auth.ts";
import { idempotencyKeyOf, idempotent, remember, replayFor } from "../middleware/idempotency.ts";
import { rateLimit } from "../middleware/rate-limit.ts";
import { guardUpload, receivePdf } from "../upload-pdf.ts";
import { jobSchema, jobView } from "./job-views.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick, problemSchema } from "./openapi.ts";

const documentSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    status: z.enum(["uploaded", "parsing", "parsed", "failed"]),
    bytes: z.number().int(),
    sha256: z.string(),
    pageCount: z.number().int().nullable(),
    outline: z.array(outlineEntrySchema).nullable(),
    error: z.unknown().nullable(),
    ownerId: z.string(),
    createdAt: z.string(),
  })
  .openapi("Document");

const acceptedUpload = z
  .object({
    document: documentSchema,
    job: jobSchema.nullable(),
    links: z.object({ document: z.string(), status: z.string().nullable(), progress: z.string().nullable() }),
  })
  .openapi("AcceptedUpload");

/** `X-Title` carries the title percent-encoded, since a header cannot hold every character. */
const encodedTitle = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value === "") return undefined;
    try {
      return decodeURIComponent(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be percent-encoded UTF-8" });
      return z.NEVER;
    }
  })
  .pipe(z.string().trim().min(1).max(200).optional());

/** The form's own fields, checked once the file is stored (they may come after it). */
const uploadForm = z.object({
  title: z.preprocess((v) => (v === "" ? undefined : v), z.string().trim().min(1).max(200).optional()),
  generate: z.enum(["true", "false"]).optional(),
});

const uploadQuery = z.object({
  title: z.string().trim().min(1).max(200).optional(),
  generate: z.enum(["true", "false"]).default("true"),
  audience: z.string().trim().max(200).optional(),
  modules: z.coerce.number().int().min(1).max(20).optional(),
  priority: z.enum(lanes).default("normal"),
});

const courseRequest = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    audience: z.string().trim().max(200).optional(),
    moduleCount: z.number().int().min(1).max(20).optional(),
    priority: z.enum(lanes).default("normal"),
  })
  .openapi("CourseGenerationRequest");

/** The answers an upload kept under the client's Idempotency-Key, each request known by its hash. */
function uploadReplays(db: Db, ownerId: string, key: string | undefined): UploadReplays | undefined {
  if (!key) return undefined;
  const route = "POST /v1/documents";
  return {
    find: async (request) => replayFor(db, ownerId, key, route, await sha256Hex(request)),
    keep: async (request, status, body) => remember(db, ownerId, key, route, await sha256Hex(request), status, body),
  };
}

/** A document the caller may see: their own, or any in the organisation for an admin. */
async function visibleDocument(db: Db, user: { id: string; orgId: string; role: string }, id: string) {
  const doc = await db.query.documents.findFirst({ where: and(eq(documents.id, id), eq(documents.orgId, user.orgId)) });
  if (!doc || (doc.ownerId !== user.id && user.role !== "admin")) throw notFound("document");
  return doc;
}

const router = newRouter();
router.use("/", requireRole("admin", "teacher"));
router.use("/*", requireRole("admin", "teacher"));

export const documentRoutes = router
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags: ["documents"],
      security: bearer,
      middleware: [rateLimit("uploads")] as const,
      summary:
        "Upload a PDF (raw application/pdf body, or multipart/form-data with a `file` part); it is parsed, then a course is generated unless generate=false",
      request: {
        query: uploadQuery,
        headers: z.object({ "idempotency-key": z.string().optional(), "x-title": encodedTitle }),
        body: { required: true, content: { "application/pdf": { schema: z.string().openapi({ format: "binary" }) } } },
      },
      responses: {
        202: json(acceptedUpload, "Stored; parsing is queued"),
        200: json(acceptedUpload, "The same file was uploaded before: the existing document"),
        ...pick(400, 401, 403, 413, 415, 422, 429),
        503: {
          description: "Storage or the database did not answer; nothing was kept",
          content: { "application/problem+json": { schema: problemSchema } },
        },
      },
    }),
    async (c) => {
      const me = currentUser(c);
      const db = c.get("db");
      const config = c.get("config");
      const query = c.req.valid("query");
      const key = idempotencyKeyOf(c);
      const documentId = crypto.randomUUID();
      const r2Key = documentKeys.source(me.orgId, documentId);
      // Every way out of here but a committed document removes the stored file: refusals, replays, duplicates, failures.
      return guardUpload(c.env.FILES, r2Key, async (keep) => {
        const received = await receivePdf(c.req.raw, c.env.FILES, r2Key, config.MAX_UPLOAD_BYTES);
        const form = uploadForm.safeParse(received.fields);
        if (!form.success) throw validationProblem(form.error.issues, "form");
        const answer = await acceptUpload(
          db,
          laneQueues(c.env),
          config,
          {
            owner: me,
            documentId,
            r2Key,
            file: received,
            title: (query.title ?? form.data.title ?? c.req.valid("header")["x-title"] ?? received.title)?.slice(0, 200),
            course: (form.data.generate ?? query.generate) !== "false" ? { audience: query.audience, moduleCount: query.modules } : null,
            lane: query.priority,
            replays: uploadReplays(db, me.id, key),
          },
          { onCommitted: keep, waitUntil: (p) => c.executionCtx.waitUntil(p) },
        );
        if (answer.outcome === "replayed") return c.json(answer.body, answer.status as 202, { "Idempotent-Replayed": "true" });
        if (answer.outcome === "existing") return c.json(answer.body, 200);
        return c.json(answer.body, 202, { Location: `/v1/documents/${documentId}` });
      });
    },
  )
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
      const me = currentUser(c);
      const { limit, offset } = c.req.valid("query");
      const rows = await c
        .get("db")
        .select()
        .from(documents)
        .where(me.role === "admin" ? eq(documents.orgId, me.orgId) : eq(documents.ownerId, me.id))
        .orderBy(desc(documents.createdAt))
        .limit(limit)
        .offset(offset);
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
      const db = c.get("db");
      const doc = await visibleDocument(db, currentUser(c), c.req.valid("param").id);
      const [sections, parseJob] = await Promise.all([
        db
          .select({
            index: documentSections.position,
            title: documentSections.title,
            level: documentSections.level,
            pageStart: documentSections.pageStart,
            pageEnd: documentSections.pageEnd,
            characters: sql<number>`length(${documentSections.text})`,
          })
          .from(documentSections)
          .where(eq(documentSections.documentId, doc.id))
          .orderBy(asc(documentSections.position)),
        db.query.jobs.findFirst({ where: and(eq(jobs.ownerId, doc.ownerId), eq(jobs.idempotencyKey, `parse:${doc.id}`)) }),
      ]);
      return c.json({ ...documentViewOf(doc), sections, parseJob: parseJob ? jobView(parseJob) : null }, 200);
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
      const db = c.get("db");
      const doc = await visibleDocument(db, currentUser(c), c.req.valid("param").id);
      await db.delete(documents).where(eq(documents.id, doc.id));
      await deleteDocumentFiles(c.env.FILES, doc.orgId, doc.id);
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
      const me = currentUser(c);
      const db = c.get("db");
      const config = c.get("config");
      const doc = await visibleDocument(db, me, c.req.valid("param").id);
      if (doc.status !== "parsed")
        throw new ProblemError("conflict", { detail: `The document is ${doc.status}; a course can be generated once it is parsed.` });
      const body = c.req.valid("json");
      const jobId = crypto.randomUUID();
      const amount = estimateTokens({
        kind: "generate-course",
        textChars: await documentTextChars(db, doc.id),
        moduleCount: body.moduleCount,
      });
      const { job, courseId } = await reserveFor(db, config, me, { amount, jobId }, () =>
        createCourseGeneration(
          db,
          laneQueues(c.env),
          {
            jobId,
            orgId: me.orgId,
            ownerId: me.id,
            documentId: doc.id,
            title: body.title ?? doc.title,
            audience: body.audience,
            moduleCount: body.moduleCount,
            lane: body.priority,
            maxAttempts: config.JOB_MAX_RETRIES + 1,
          },
          { waitUntil: (p) => c.executionCtx.waitUntil(p) },
        ),
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
