/**
 * parse-document: reads the uploaded PDF from R2, parses it with unpdf, and
 * stores the sections in D1 and the full text in R2. A PDF that cannot be
 * parsed fails the job with its own problem type. On success, unless the
 * upload said not to, it starts the course generation.
 */

import { type JobPayload, type ParseFailureCode, PermanentJobError } from "@studyhall/core";
import {
  countSections,
  deleteDocumentFiles,
  documentKeys,
  findDocument,
  markDocumentParsing,
  markDocumentUnparsable,
  recordParsedDocument,
  storeParsedDocument,
} from "@studyhall/db";
import { parsePdf } from "@studyhall/pdf";
import type { JobContext } from "../runner.ts";
import { startCourseGeneration } from "./start-course.ts";

const failureTitles: Record<ParseFailureCode, string> = {
  "pdf-encrypted": "The PDF is password-protected",
  "pdf-damaged": "The PDF is damaged or not a PDF",
  "pdf-no-text": "The PDF has no extractable text",
  "pdf-too-many-pages": "The PDF has too many pages",
};

export async function parseDocument(ctx: JobContext, payload: JobPayload<"parse-document">): Promise<unknown> {
  const { db, env } = ctx;
  const document = await findDocument(db, payload.documentId);
  if (!document) throw new PermanentJobError("not-found", "The document is gone", "The document was deleted before it could be parsed.");

  if (document.status !== "parsed") {
    await ctx.progress(5, "reading the PDF");
    await markDocumentParsing(db, document.id);
    const object = await env.FILES.get(documentKeys.source(document.orgId, document.id));
    if (!object) throw new PermanentJobError("not-found", "The file is gone", "The uploaded file is no longer in storage.");
    const bytes = new Uint8Array(await object.arrayBuffer());
    await ctx.progress(15, "extracting text");
    const result = await parsePdf(bytes, { maxPages: ctx.config.MAX_PDF_PAGES });
    if (!result.ok) {
      if (result.cause)
        console.error(
          JSON.stringify({ level: "error", msg: "pdf could not be parsed", jobId: ctx.job.id, code: result.code, cause: result.cause }),
        );
      const error = { type: `/problems/${result.code}`, title: failureTitles[result.code], detail: result.detail, retryable: false };
      await markDocumentUnparsable(db, document.id, error);
      throw new PermanentJobError(result.code, failureTitles[result.code], result.detail);
    }
    const parsed = result.document;
    await ctx.progress(70, `storing ${parsed.sections.length} sections`);
    await storeParsedDocument(env.FILES, document.orgId, document.id, parsed);
    if ((await recordParsedDocument(db, document, parsed)) === "deleted") {
      // Deleted while it was parsed: what was stored goes too.
      await deleteDocumentFiles(env.FILES, document.orgId, document.id);
      throw new PermanentJobError("not-found", "The document is gone", "The document was deleted while it was being parsed.");
    }
  }

  await ctx.progress(95, "parsed");
  const sections = await countSections(db, document.id);
  let courseJobId: string | undefined;
  if (payload.generateCourse) {
    // Read again: the parse may have given the document its title.
    const parsedDocument = (await findDocument(db, document.id)) ?? document;
    courseJobId = await startCourseGeneration(ctx, parsedDocument, payload.generateCourse);
  }
  return { documentId: document.id, sections, courseJobId: courseJobId ?? null };
}
