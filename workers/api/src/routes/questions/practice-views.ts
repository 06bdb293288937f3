/**
 * How practice questions are shown and what a bank search accepts. The
 * answer fields are filled only when `revealed` (packages/db decides: always
 * for teachers, after practising for students).
 */
import { z } from "@hono/zod-openapi";
import { difficulties, type PracticeQuestion } from "@studyhall/db";
import { iso } from "../views.ts";

export const practiceQuestionSchema = z
  .object({
    id: z.string(),
    topic: z.string(),
    difficulty: z.enum(difficulties),
    prompt: z.string(),
    choices: z.array(z.string()),
    tags: z.array(z.string()),
    pinned: z.boolean(),
    documentId: z.string().nullable(),
    sectionIndex: z.number().int().nullable(),
    ownerId: z.string(),
    createdAt: z.string(),
    /** Whether the answer fields are shown: always for teachers, after practising for students. */
    revealed: z.boolean(),
    answer: z.number().int().nullable(),
    explanation: z.string().nullable(),
    sourcePassage: z.string().nullable(),
  })
  .openapi("PracticeQuestion");
export type PracticeQuestionView = z.infer<typeof practiceQuestionSchema>;

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

export function practiceQuestionView(q: PracticeQuestion, revealed: boolean): PracticeQuestionView {
  return {
    id: q.id,
    topic: q.topic,
    difficulty: q.difficulty,
    prompt: q.prompt,
    choices: strings(q.choices),
    tags: strings(q.tags),
    pinned: q.pinned,
    documentId: q.documentId,
    sectionIndex: q.sectionIndex,
    ownerId: q.ownerId,
    createdAt: iso(q.createdAt)!,
    revealed,
    answer: revealed && typeof q.answer === "number" ? q.answer : null,
    explanation: revealed ? q.explanation : null,
    sourcePassage: revealed ? q.sourcePassage : null,
  };
}

export const bankQuery = z.object({
  q: z.string().trim().max(200).optional(),
  topic: z.string().trim().min(1).max(200).optional(),
  tag: z.string().trim().min(1).max(40).optional(),
  difficulty: z.enum(difficulties).optional(),
  pinned: z.enum(["true", "false"]).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
