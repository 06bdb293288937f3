import type { KeyTerm, LessonSource } from "@studyhall/core";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, id, updatedAt } from "./columns.ts";
import { courses } from "./courses.ts";
import { modules } from "./modules.ts";

/** A lesson: a Markdown body with its key terms and the passages it came from. */
export const lessons = sqliteTable(
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
    keyTerms: text("key_terms", { mode: "json" }).$type<KeyTerm[]>(),
    /** JSON: the source sections this lesson draws on, with their pages once it is written. */
    sources: text("sources", { mode: "json" }).$type<LessonSource[]>(),
    version: integer("version").notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("lessons_course_idx").on(t.courseId, t.position), index("lessons_module_idx").on(t.moduleId, t.position)],
);
export type Lesson = typeof lessons.$inferSelect;
