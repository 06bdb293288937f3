// The values are part of the job contract in core; the table stores them.
import type { Difficulty, GeneratedQuestion, PracticeTags } from "@studyhall/core";
import { boolean, index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, id } from "./columns.ts";
import { documents } from "./documents.ts";
import { orgRef, userRef } from "./references.ts";

/** A practice question of a bank: generated for a topic or a document section, then pinned, tagged, searched. */
export const practiceQuestions = pgTable(
  "practice_questions",
  {
    id: id(),
    orgId: orgRef(),
    ownerId: userRef("owner_id"),
    documentId: text("document_id").references(() => documents.id, { onDelete: "set null" }),
    sectionIndex: integer("section_index"),
    topic: text("topic").notNull(),
    difficulty: text("difficulty").$type<Difficulty>().notNull(),
    prompt: text("prompt").notNull(),
    /** JSON: the options shown. */
    choices: jsonb("choices").$type<GeneratedQuestion["choices"]>().notNull(),
    /** JSON: index of the correct choice. */
    answer: jsonb("answer").$type<GeneratedQuestion["answer"]>().notNull(),
    explanation: text("explanation").notNull().default(""),
    sourcePassage: text("source_passage"),
    pinned: boolean("pinned").notNull().default(false),
    /** JSON array of tags. */
    tags: jsonb("tags").$type<PracticeTags>().notNull().default([]),
    jobId: text("job_id"),
    createdAt: createdAt(),
  },
  (t) => [index("practice_questions_org_topic_idx").on(t.orgId, t.topic), index("practice_questions_org_pinned_idx").on(t.orgId, t.pinned)],
);

/** One practice answer: what "most practised this week" counts. */
export const practiceEvents = pgTable(
  "practice_events",
  {
    id: id(),
    orgId: text("org_id").notNull(),
    questionId: text("question_id")
      .notNull()
      .references(() => practiceQuestions.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
    correct: boolean("correct").notNull(),
    at: createdAt(),
  },
  (t) => [index("practice_events_org_at_idx").on(t.orgId, t.at)],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/practice-questions.ts";
