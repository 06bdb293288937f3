import { index, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { createdAt } from "./columns.ts";
import { courses } from "./courses.ts";
import { lessons } from "./lessons.ts";
import { userRef } from "./references.ts";

/** A lesson a student has read. */
export const lessonProgress = pgTable(
  "lesson_progress",
  {
    userId: userRef("user_id"),
    lessonId: text("lesson_id")
      .notNull()
      .references(() => lessons.id, { onDelete: "cascade" }),
    courseId: text("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    readAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.lessonId] }), index("lesson_progress_course_user_idx").on(t.courseId, t.userId)],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/lesson-progress.ts";
