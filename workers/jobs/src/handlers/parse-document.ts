/**
 * parse-document: reads the uploaded PDF from R2, parses it with unpdf, and
 * stores the sections in D1 and the full text in R2. A PDF that cannot be
 * parsed fails the job with its own problem type. On success, unless the
 * upload said not to, it starts the course generation.
 */

import { type JobPayload, type ParseFailureCode, PermanentJobError } from "@studyhall/core";
import {
  type Db,
  deleteDocumentFiles,
  documentKeys,
  documentSections,
  documents,
  storeParsedDocument,
  UNTITLED_DOCUMENT,
} from "@studyhall/db";
import { parsePdf } from "@studyhall/pdf";
import { eq } from "drizzle-orm";
import type { JobContext } from "../runner.ts";
import { startCourseGeneration } from "./start-course.ts";

class DocumentDeleted extends Error {}

const failureTitles: Record<ParseFailureCode, string> = {
  "pdf-encrypted": "The PDF is password-protected",
  "pdf-damaged": "The PDF is damaged or not a PDF",
  "pdf-no-text": "The PDF has no extractable text",
  "pdf-too-many-pages": "The PDF has too many pages",
};

// D1 binds at most 100 values per statement; a section row takes 8.
const SECTION_ROWS_PER_INSERT = 12;

async function storeSections(
  db: Db,
  documentId: string,
  sections: { index: number; title: string; level: number; pageStart: number; pageEnd: number; text: string }[],
) {
  const rows = sections.map((s) => ({
    documentId,
    position: s.index,
    title: s.title.slice(0, 300),
    level: s.level,
    pageStart: s.pageStart,
    pageEnd: s.pageEnd,
    text: s.text,
  }));
  const inserts = [];
  for (let i = 0; i < rows.length; i += SECTION_ROWS_PER_INSERT)
    inserts.push(db.insert(documentSections).values(rows.slice(i, i + SECTION_ROWS_PER_INSERT)));
  // One batch is one transaction: the sections appear all at once, replacing any from an earlier attempt.
  await db.batch([db.delete(documentSections).where(eq(documentSections.documentId, documentId)), ...inserts]);
}

export async function parseDocument(ctx: JobContext, payload: JobPayload<"parse-document">): Promise<unknown> {
  const { db, env } = ctx;
  const document = await db.query.documents.findFirst({ where: eq(documents.id, payload.documentId) });
  if (!document) throw new PermanentJobError("not-found", "The document is gone", "The document was deleted before it could be parsed.");

  if (document.status !== "parsed") {
    await ctx.progress(5, "reading the PDF");
    await db.update(documents).set({ status: "parsing" }).where(eq(documents.id, document.id));
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
      await db.update(documents).set({ status: "failed", error }).where(eq(documents.id, document.id));
      throw new PermanentJobError(result.code, failureTitles[result.code], result.detail);
    }
    const parsed = result.document;
    await ctx.progress(70, `storing ${parsed.sections.length} sections`);
    await storeParsedDocument(env.FILES, document.orgId, document.id, parsed);
    try {
      await storeSections(db, document.id, parsed.sections);
      const [stored] = await db
        .update(documents)
        .set({
          status: "parsed",
          pageCount: parsed.pageCount,
          outline: parsed.outline,
          error: null,
          title: document.title === UNTITLED_DOCUMENT && parsed.title ? parsed.title.slice(0, 200) : document.title,
        })
        .where(eq(documents.id, document.id))
        .returning({ id: documents.id });
      if (!stored) throw new DocumentDeleted();
    } catch (error) {
      // Deleted while it was parsed (its sections then fail their reference to it): what was stored goes too.
      if (error instanceof DocumentDeleted || !(await db.query.documents.findFirst({ where: eq(documents.id, document.id) }))) {
        await deleteDocumentFiles(env.FILES, document.orgId, document.id);
        throw new PermanentJobError("not-found", "The document is gone", "The document was deleted while it was being parsed.");
      }
      throw error;
    }
  }

  await ctx.progress(95, "parsed");
  const sections = await db.$count(documentSections, eq(documentSections.documentId, document.id));
  let courseJobId: string | undefined;
  if (payload.generateCourse) {
    // Read again: the parse may have given the document its title.
    const parsedDocument = (await db.query.documents.findFirst({ where: eq(documents.id, document.id) })) ?? document;
    courseJobId = await startCourseGeneration(ctx, parsedDocument, payload.generateCourse);
  }
  return { documentId: document.id, sections, courseJobId: courseJobId ?? null };
}
