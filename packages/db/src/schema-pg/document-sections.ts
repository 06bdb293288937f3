import { integer, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { id } from "./columns.ts";
import { documents } from "./documents.ts";

/** A parsed document's sections, in order: what lessons and the tutor draw on. The full text is in R2. */
export const documentSections = pgTable(
  "document_sections",
  {
    id: id(),
    documentId: text("document_id")
      .notNull()
      .references(() => documents.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    title: text("title").notNull(),
    level: integer("level").notNull(),
    pageStart: integer("page_start").notNull(),
    pageEnd: integer("page_end").notNull(),
    text: text("text").notNull(),
  },
  (t) => [uniqueIndex("document_sections_doc_position_unique").on(t.documentId, t.position)],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/document-sections.ts";
