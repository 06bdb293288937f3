import type { JobError, OutlineEntry } from "@studyhall/core";
import { index, integer, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import type { DocumentStatus } from "../schema/documents.ts";
import { createdAt, id, updatedAt } from "./columns.ts";
import { orgRef, userRef } from "./references.ts";

/** An uploaded PDF: the file lives in R2 under `r2Key`, its parsed text beside it. */
export const documents = pgTable(
  "documents",
  {
    id: id(),
    orgId: orgRef(),
    ownerId: userRef("owner_id"),
    title: text("title").notNull(),
    r2Key: text("r2_key").notNull(),
    sha256: text("sha256").notNull(),
    bytes: integer("bytes").notNull(),
    pageCount: integer("page_count"),
    status: text("status").$type<DocumentStatus>().notNull().default("uploaded"),
    /** JSON: the outline found by the parser. */
    outline: jsonb("outline").$type<OutlineEntry[]>(),
    /** JSON problem of a failed parse. */
    error: jsonb("error").$type<JobError>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("documents_owner_idx").on(t.ownerId, t.createdAt), uniqueIndex("documents_owner_sha_unique").on(t.ownerId, t.sha256)],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/documents.ts";
