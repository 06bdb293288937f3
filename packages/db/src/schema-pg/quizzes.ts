import { index, integer, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, id, updatedAt } from "./columns.ts";
import { courses } from "./courses.ts";
import { modules } from "./modules.ts";

/** A quiz of a course, or of one of its modules. */
export const quizzes = pgTable(
  "quizzes",
  {
    id: id(),
    courseId: text("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    moduleId: text("module_id").references(() => modules.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    /** Attempts allowed per student; null for unlimited. */
    maxAttempts: integer("max_attempts"),
    /** Seconds allowed per attempt; null for no limit. */
    timeLimitSeconds: integer("time_limit_seconds"),
    /** When a student sees the right answers, explanations and sources of a submitted attempt (see core's quiz-rules). */
    revealAnswers: text("reveal_answers")
      .$type<"after-last-attempt" | "after-each-attempt" | "never">()
      .notNull()
      .default("after-last-attempt"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("quizzes_course_idx").on(t.courseId)],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/quizzes.ts";
