import type { CourseOutline } from "@studyhall/core";
import { index, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import type { CourseStatus } from "../schema/courses.ts";
import { createdAt, id, timestamp, updatedAt } from "./columns.ts";
import { documents } from "./documents.ts";
import { orgRef, userRef } from "./references.ts";

/** A course; students see it only once it is PUBLISHED. */
export const courses = pgTable(
  "courses",
  {
    id: id(),
    orgId: orgRef(),
    ownerId: userRef("owner_id"),
    documentId: text("document_id").references(() => documents.id, { onDelete: "set null" }),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    audience: text("audience"),
    status: text("status").$type<CourseStatus>().notNull().default("DRAFT"),
    /** JSON: the outline generation settled on (the first checkpoint). */
    outline: jsonb("outline").$type<CourseOutline>(),
    /** The job generating or regenerating the course, if any. */
    jobId: text("job_id"),
    publishedAt: timestamp("published_at"),
    /** Who may find and enrol once published: the whole organisation, or only invited students. */
    visibility: text("visibility").$type<"org" | "invited">().notNull().default("org"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("courses_org_status_idx").on(t.orgId, t.status, t.createdAt), index("courses_owner_idx").on(t.ownerId)],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/courses.ts";
