import { index, pgTable, text } from "drizzle-orm/pg-core";
import type { SessionKind } from "../schema/sessions.ts";
import { createdAt, id, timestamp } from "./columns.ts";
import { courses } from "./courses.ts";
import { orgRef, userRef } from "./references.ts";
import { users } from "./users.ts";

/**
 * A live session: a study room for a course, or a one-to-one tutoring
 * session. Its messages live in the session's Durable Object.
 */
export const sessions = pgTable(
  "sessions",
  {
    id: id(),
    orgId: orgRef(),
    kind: text("kind").$type<SessionKind>().notNull(),
    title: text("title").notNull(),
    courseId: text("course_id").references(() => courses.id, { onDelete: "set null" }),
    /** The teacher who opened it. */
    createdBy: userRef("created_by"),
    /** The student of a tutoring session. */
    studentId: text("student_id").references(() => users.id, { onDelete: "cascade" }),
    status: text("status").$type<"open" | "closed">().notNull().default("open"),
    closedAt: timestamp("closed_at"),
    createdAt: createdAt(),
  },
  (t) => [index("sessions_org_created_idx").on(t.orgId, t.createdAt), index("sessions_course_idx").on(t.courseId)],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/sessions.ts";
