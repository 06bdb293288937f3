// The values are part of the job contract in core; the table stores them.
import type { ExportFormat } from "@studyhall/core";
import { index, integer, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, id } from "./columns.ts";
import { courses } from "./courses.ts";
import { orgRef, userRef } from "./references.ts";

/** An export of a course, built by a job and stored in R2. */
export const courseExports = pgTable(
  "course_exports",
  {
    id: id(),
    orgId: orgRef(),
    ownerId: userRef("owner_id"),
    courseId: text("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    format: text("format").$type<ExportFormat>().notNull(),
    jobId: text("job_id").notNull(),
    r2Key: text("r2_key"),
    bytes: integer("bytes"),
    pages: integer("pages"),
    createdAt: createdAt(),
  },
  (t) => [index("course_exports_course_idx").on(t.courseId, t.createdAt)],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/exports.ts";
