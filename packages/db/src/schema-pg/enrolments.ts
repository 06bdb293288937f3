import { index, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { createdAt, timestamp } from "./columns.ts";
import { courses } from "./courses.ts";
import { orgRef, userRef } from "./references.ts";

/** A student enrolled in a course. */
export const enrolments = pgTable(
  "enrolments",
  {
    courseId: text("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    userId: userRef("user_id"),
    orgId: orgRef(),
    enrolledAt: createdAt(),
    completedAt: timestamp("completed_at"),
    lastActivityAt: timestamp("last_activity_at"),
  },
  (t) => [
    primaryKey({ columns: [t.courseId, t.userId] }),
    index("enrolments_user_idx").on(t.userId),
    index("enrolments_course_activity_idx").on(t.courseId, t.lastActivityAt),
  ],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/enrolments.ts";
