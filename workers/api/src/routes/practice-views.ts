/**
 * How practice questions are shown and searched. A student sees a question's
 * answer, explanation and source passage only once they have practised it;
 * teachers and admins always do. Search is SQL `LIKE` over the prompt, topic
 * and tags of the organisation's bank, newest first, a page at a time.
 */
import { z } from "@hono/zod-openapi";
import { ProblemError } from "@studyhall/core";
import { difficulties, type PracticeQuestion, practiceQuestions } from "@studyhall/db";
import { and, desc, eq, lt, or, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { CurrentUser } from "../env.ts";
import { iso } from "./views.ts";

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

export const seesAnswers = (user: CurrentUser) => user.role !== "student";

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

/** A position in the newest-first order: creation time, then id to break ties. */
export function encodeCursor(q: Pick<PracticeQuestion, "createdAt" | "id">): string {
  return btoa(`${q.createdAt.getTime()}:${q.id}`).replace(/=+$/, "");
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const [at, id] = atob(cursor).split(":");
    if (at && /^\d+$/.test(at) && id) return { at: new Date(Number(at)), id };
  } catch {
    // fall through to the problem below
  }
  throw new ProblemError("validation-failed", {
    detail: "The cursor is not one this API handed out.",
    extensions: { invalidParams: [{ name: "cursor", reason: "malformed" }] },
  });
}

/** `LIKE` matches the pattern's own `%`, `_` and `\` literally when they are escaped with `\`. */
const contains = (column: SQLWrapper, word: string) => sql`${column} LIKE ${`%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} ESCAPE '\\'`;

/** The WHERE clause of a bank search in one organisation. */
export function bankFilter(orgId: string, query: z.infer<typeof bankQuery>): SQL {
  const where: (SQL | undefined)[] = [eq(practiceQuestions.orgId, orgId)];
  // Every word must appear somewhere: in the prompt, the topic or a tag.
  for (const word of (query.q ?? "").split(/\s+/).filter(Boolean).slice(0, 8)) {
    where.push(
      or(contains(practiceQuestions.prompt, word), contains(practiceQuestions.topic, word), contains(practiceQuestions.tags, word)),
    );
  }
  if (query.topic) where.push(sql`lower(${practiceQuestions.topic}) = lower(${query.topic})`);
  if (query.tag)
    where.push(sql`exists (select 1 from json_each(${practiceQuestions.tags}) where lower(json_each.value) = lower(${query.tag}))`);
  if (query.difficulty) where.push(eq(practiceQuestions.difficulty, query.difficulty));
  if (query.pinned) where.push(eq(practiceQuestions.pinned, query.pinned === "true"));
  if (query.cursor) {
    const { at, id } = decodeCursor(query.cursor);
    where.push(or(lt(practiceQuestions.createdAt, at), and(eq(practiceQuestions.createdAt, at), lt(practiceQuestions.id, id))));
  }
  return and(...where)!;
}

export const bankOrder = [desc(practiceQuestions.createdAt), desc(practiceQuestions.id)];
