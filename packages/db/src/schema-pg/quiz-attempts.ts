import type { QuizLayout, SavedAnswers } from "@studyhall/core";
import { doublePrecision, index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, id, timestamp } from "./columns.ts";
import { quizzes } from "./quizzes.ts";
import { orgRef, userRef } from "./references.ts";

/** One student's attempt at a quiz: answers saved as they go, graded on submit. */
export const quizAttempts = pgTable(
  "quiz_attempts",
  {
    id: id(),
    orgId: orgRef(),
    quizId: text("quiz_id")
      .notNull()
      .references(() => quizzes.id, { onDelete: "cascade" }),
    userId: userRef("user_id"),
    /** JSON: `{ [questionId]: answer }`. */
    answers: jsonb("answers").$type<SavedAnswers>(),
    /**
     * JSON: the order this attempt shows its questions in and, per question, the original index of each choice
     * as shown (`{ order: [questionId], choices: { [questionId]: [originalIndex] } }`). Null: the stored order.
     */
    layout: jsonb("layout").$type<QuizLayout>(),
    score: doublePrecision("score"),
    correctCount: integer("correct_count"),
    startedAt: createdAt(),
    deadlineAt: timestamp("deadline_at"),
    submittedAt: timestamp("submitted_at"),
  },
  (t) => [index("quiz_attempts_quiz_user_idx").on(t.quizId, t.userId), index("quiz_attempts_user_idx").on(t.userId, t.startedAt)],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/quiz-attempts.ts";
