import type { CorrectAnswer, GeneratedQuestion } from "@studyhall/core";
import { index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import type { QuestionKind } from "../schema/questions.ts";
import { createdAt, id } from "./columns.ts";
import { quizzes } from "./quizzes.ts";

/** A quiz question. `answer` never leaves the server before an attempt is submitted. */
export const questions = pgTable(
  "questions",
  {
    id: id(),
    quizId: text("quiz_id")
      .notNull()
      .references(() => quizzes.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    kind: text("kind").$type<QuestionKind>().notNull(),
    prompt: text("prompt").notNull(),
    /** JSON: the options shown, for choice questions. */
    choices: jsonb("choices").$type<GeneratedQuestion["choices"]>(),
    /** JSON: the correct answer (choice indexes or text). */
    answer: jsonb("answer").$type<CorrectAnswer>().notNull(),
    explanation: text("explanation").notNull().default(""),
    /** The passage of the source document that holds the answer. */
    sourcePassage: text("source_passage"),
    createdAt: createdAt(),
  },
  (t) => [index("questions_quiz_idx").on(t.quizId, t.position)],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/questions.ts";
