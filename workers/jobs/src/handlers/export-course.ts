/**
 * export-course: writes a course as PDF, Markdown or JSON into R2 under
 * `exports/<orgId>/<exportId>.<ext>` and records its key, size and pages on
 * the export. A redelivery after the file was stored finds it recorded and
 * writes nothing again.
 */

import { type ExportFormat, type JobPayload, PermanentJobError } from "@studyhall/core";
import { courseExport, courseSource, exportKeyPrefix, recordExportFile } from "@studyhall/db";
import { buildCoursePdf } from "../export/pdf/course-pdf.ts";
import { exportFonts } from "../export/pdf-fonts.ts";
import { courseJson, courseMarkdown, encodeChunks } from "../export/text-exports.ts";
import type { JobContext } from "../runner.ts";

export const exportFiles: Record<ExportFormat, { extension: string; contentType: string }> = {
  pdf: { extension: "pdf", contentType: "application/pdf" },
  markdown: { extension: "md", contentType: "text/markdown; charset=utf-8" },
  json: { extension: "json", contentType: "application/json; charset=utf-8" },
};

/** Where an export's file lives: chosen from ids, never from a course title. */
export const exportKey = (orgId: string, exportId: string, format: ExportFormat) =>
  `${exportKeyPrefix(orgId, exportId)}${exportFiles[format].extension}`;

export async function exportCourse(ctx: JobContext, payload: JobPayload<"export-course">): Promise<unknown> {
  const { exportId, courseId, format } = payload;
  const { db, env, job } = ctx;

  const row = await courseExport(db, exportId);
  if (!row || row.orgId !== job.orgId || row.courseId !== courseId) {
    throw new PermanentJobError("not-found", "The export is gone", "The export or its course was deleted.");
  }
  if (row.r2Key && (await env.FILES.head(row.r2Key))) return { exportId, format, bytes: row.bytes, pages: row.pages };

  await ctx.progress(5, "reading the course");
  const source = await courseSource(db, job.orgId, courseId);
  if (!source) throw new PermanentJobError("not-found", "The course is gone", "The course was deleted before it could be exported.");
  const total = Math.max(1, source.outline.modules.length);
  const onModule = (done: number) =>
    ctx.progress(Math.min(90, 10 + Math.floor((done / total) * 80)), `module ${Math.min(done, total)} of ${total}`);

  let body: Uint8Array | Blob;
  let pages: number | null = null;
  if (format === "pdf") {
    const pdf = await buildCoursePdf(source, exportFonts, { onModule });
    body = pdf.bytes;
    pages = pdf.pages;
  } else {
    const chunks = format === "markdown" ? courseMarkdown(source) : courseJson(source);
    body = await encodeChunks(progressing(chunks, onModule));
  }

  await ctx.progress(92, "storing the file");
  const key = exportKey(job.orgId, exportId, format);
  const bytes = body instanceof Blob ? body.size : body.byteLength;
  await env.FILES.put(key, body, {
    httpMetadata: { contentType: exportFiles[format].contentType },
    customMetadata: { courseId, exportId, format },
  });
  if (!(await recordExportFile(db, exportId, { r2Key: key, bytes, pages }))) {
    // The course (and its export with it) was deleted while the file was built: it must not outlive them.
    await env.FILES.delete(key);
    throw new PermanentJobError("not-found", "The course is gone", "The course was deleted while it was being exported.");
  }
  return { exportId, format, bytes, pages };
}

/** Reports progress as the text exports pass each module (their chunks after the first are one module each). */
async function* progressing(chunks: AsyncIterable<string>, onModule: (done: number) => Promise<void>): AsyncGenerator<string> {
  let seen = -1;
  for await (const chunk of chunks) {
    yield chunk;
    seen += 1;
    if (seen > 0) await onModule(seen);
  }
}
