/**
 * Uploading a PDF: the file streams into R2, then `acceptUpload` makes it a
 * document and its parse job (and, unless generate=false, the course the parse
 * will start). A request replayed with its Idempotency-Key gets its first answer.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { sha256Hex } from "@studyhall/auth";
import { lanes } from "@studyhall/core";
import { acceptUpload, type Db, documentKeys, laneQueues, remember, replayFor, type UploadReplays } from "@studyhall/db";
import { deferTo } from "../../defer.ts";
import { validationProblem } from "../../errors.ts";
import { currentUser } from "../../middleware/auth.ts";
import { idempotencyKeyOf } from "../../middleware/idempotency.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { guardUpload, receivePdf } from "../../upload-pdf.ts";
import { jobSchema } from "../job-views.ts";
import { bearer, json, newRouter, pick, problemSchema } from "../openapi.ts";
import { documentSchema } from "./document-views.ts";

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

/** The answers an upload kept under the client's Idempotency-Key, each request known by its hash. */
function uploadReplays(db: Db, ownerId: string, key: string | undefined): UploadReplays | undefined {
  if (!key) return undefined;
  const route = "POST /v1/documents";
  return {
    find: async (request) => replayFor(db, ownerId, key, route, await sha256Hex(request)),
    keep: async (request, status, body) => remember(db, ownerId, key, route, await sha256Hex(request), status, body),
  };
}

export const uploadRoutes = newRouter().openapi(
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
        { onCommitted: keep, defer: deferTo(c) },
      );
      if (answer.outcome === "replayed") return c.json(answer.body, answer.status as 202, { "Idempotent-Replayed": "true" });
      if (answer.outcome === "existing") return c.json(answer.body, 200);
      return c.json(answer.body, 202, { Location: `/v1/documents/${documentId}` });
    });
  },
);
