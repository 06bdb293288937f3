/**
 * `/v1/exports`: an export's status and, once done, its file through a
 * signed, expiring link that needs no token, so it works as a plain link in
 * a browser or a mail. Asking for an export is `POST /v1/courses/{id}/exports`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { notFound, ProblemError } from "@studyhall/core";
import { exportForDownload, visibleExport } from "@studyhall/db";
import { downloadLink, exportUrlSecret, verifyDownload } from "../../export-links.ts";
import { currentUser } from "../../middleware/auth.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { bearer, idParam, json, newRouter, pick } from "../openapi.ts";
import { exportSchema, exportView } from "./export-views.ts";

const CONTENT = {
  pdf: { type: "application/pdf", extension: "pdf" },
  markdown: { type: "text/markdown; charset=utf-8", extension: "md" },
  json: { type: "application/json; charset=utf-8", extension: "json" },
} as const;

const downloadQuery = z.object({ expires: z.string().max(20).optional(), sig: z.string().max(200).optional() });

/** A link that does not verify; tampered and expired links look the same from outside. */
const badLink = (detail: string) => new ProblemError("forbidden", { detail });

export const exportRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags: ["exports"],
      security: bearer,
      summary: "An export's status and, once done, a signed download link valid for 15 minutes",
      request: { params: idParam },
      responses: { 200: json(exportSchema, "The export"), ...pick(401, 403, 404, 429) },
    }),
    async (c) => {
      const { row, job } = await visibleExport(c.get("db"), currentUser(c), c.req.valid("param").id);
      const ready = job?.status === "completed" && row.r2Key;
      const download = ready
        ? await downloadLink(exportUrlSecret(c.env), new URL(`/v1/exports/${row.id}/download`, c.req.url).toString(), row.r2Key!)
        : null;
      return c.json(exportView(row, job, download), 200, { "Cache-Control": "private, no-store" });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/download",
      tags: ["exports"],
      // Rate-limited per client address: the link is the credential, so there is no user to count against.
      middleware: [rateLimit("api")] as const,
      summary: "Download an export's file through its signed link (no token needed; a tampered or expired link is 403)",
      request: { params: idParam, query: downloadQuery },
      responses: {
        200: {
          description: "The file",
          content: {
            "application/pdf": { schema: z.any() },
            "text/markdown": { schema: z.string() },
            "application/json": { schema: z.any() },
          },
        },
        ...pick(403, 404, 429),
      },
    }),
    async (c) => {
      const { expires, sig } = c.req.valid("query");
      const found = await exportForDownload(c.get("db"), c.req.valid("param").id);
      // An unknown export, or one not finished, cannot have a valid link: answer as for a bad signature.
      if (!found?.row.r2Key) throw badLink("This download link is not valid.");
      const { row, courseTitle } = found;
      const check = await verifyDownload(exportUrlSecret(c.env), row.r2Key!, expires, sig);
      if (check === "expired") throw badLink("This download link has expired; ask for the export again to get a new one.");
      if (check !== "valid") throw badLink("This download link is not valid.");
      const object = await c.env.FILES.get(row.r2Key!);
      if (!object) throw notFound("export file");
      const { type, extension } = CONTENT[row.format];
      return c.body(object.body, 200, {
        "Content-Type": type,
        "Content-Length": String(object.size),
        "Content-Disposition": contentDisposition(courseTitle ?? "course", extension),
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        ETag: object.httpEtag,
      });
    },
  );

/** `attachment` with an ASCII fallback name and the real (UTF-8) one, per RFC 6266. */
export function contentDisposition(title: string, extension: string): string {
  const base = title.normalize("NFKC").trim().slice(0, 120) || "course";
  const ascii = base.replace(/[^\w.-]+/g, "-").replace(/^-+|-+$/g, "") || "course";
  return `attachment; filename="${ascii}.${extension}"; filename*=UTF-8''${encodeURIComponent(`${base}.${extension}`)}`;
}
