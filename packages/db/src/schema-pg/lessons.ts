import type { KeyTerm, LessonSource } from "@studyhall/core";
import { index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, id, updatedAt } from "./columns.ts";
import { courses } from "./courses.ts";
import { modules } from "./modules.ts";

/** A lesson: a Markdown body with its key terms and the passages it came from. */
export const lessons = pgTable(
  "lessons",
  {
    id: id(),
    courseId: text("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    moduleId: text("module_id")
      .notNull()
      .references(() => modules.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    title: text("title").notNull(),
    bodyMd: text("body_md").notNull().default(""),
    /** JSON: `[{ term, definition }]`. */
    keyTerms: jsonb("key_terms").$type<KeyTerm[]>(),
    /** JSON: the source sections this lesson draws on, with their pages once it is written. */
    sources: jsonb("sources").$type<LessonSource[]>(),
    version: integer("version").notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("lessons_course_idx").on(t.courseId, t.position), index("lessons_module_idx").on(t.moduleId, t.position)],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/lessons.ts";
