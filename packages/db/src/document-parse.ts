/**
 * What the parse job records of a document: its status while it is read, the
 * failure a PDF that cannot be parsed ends in, and, on success, its sections
 * and outline in one step.
 */
import type { JobError, ParsedDocument } from "@studyhall/core";
import { eq } from "drizzle-orm";
import { UNTITLED_DOCUMENT } from "./document-upload.ts";
import type { Db } from "./index.ts";
import { type Document, documentSections, documents } from "./tables.ts";
import { together } from "./write-together.ts";

// D1 binds at most 100 values per statement; a section row takes 8.
const SECTION_ROWS_PER_INSERT = 12;

export function findDocument(db: Db, id: string): Promise<Document | undefined> {
  return db.query.documents.findFirst({ where: eq(documents.id, id) });
}

export async function markDocumentParsing(db: Db, id: string): Promise<void> {
  await db.update(documents).set({ status: "parsing" }).where(eq(documents.id, id));
}

/** The PDF cannot be parsed: the document says why, as the job's problem does. */
export async function markDocumentUnparsable(db: Db, id: string, error: JobError): Promise<void> {
  await db.update(documents).set({ status: "failed", error }).where(eq(documents.id, id));
}

export function countSections(db: Db, documentId: string): Promise<number> {
  return db.$count(documentSections, eq(documentSections.documentId, documentId));
}

async function replaceSections(db: Db, documentId: string, sections: ParsedDocument["sections"]): Promise<void> {
  const rows = sections.map((s) => ({
    documentId,
    position: s.index,
    title: s.title.slice(0, 300),
    level: s.level,
    pageStart: s.pageStart,
    pageEnd: s.pageEnd,
    text: s.text,
  }));
  // All at once or not at all: the sections appear together, replacing any from an earlier attempt.
  await together(db, (tx) => {
    const inserts = [];
    for (let i = 0; i < rows.length; i += SECTION_ROWS_PER_INSERT)
      inserts.push(tx.insert(documentSections).values(rows.slice(i, i + SECTION_ROWS_PER_INSERT)));
    return [tx.delete(documentSections).where(eq(documentSections.documentId, documentId)), ...inserts];
  });
}

/**
 * Records a successful parse: the sections, replacing any of an earlier attempt, then the document parsed
 * with its page count, outline and (if it had none) the PDF's own title. "deleted" when the document was
 * deleted meanwhile (its sections then fail their reference to it, or its update finds no row).
 */
export async function recordParsedDocument(db: Db, document: Document, parsed: ParsedDocument): Promise<"recorded" | "deleted"> {
  try {
    await replaceSections(db, document.id, parsed.sections);
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
    if (stored) return "recorded";
  } catch (error) {
    if (await findDocument(db, document.id)) throw error;
  }
  return "deleted";
}
