/**
 * The organisation's bank of practice questions: searching it, reading,
 * tagging, deleting and answering a question. A student sees a question's
 * answer, explanation and source passage only once they have practised it;
 * teachers and admins always do. Search is SQL `LIKE` over the prompt, topic
 * and tags, newest first, a page at a time.
 */

import { type Difficulty, forbidden, notFound, ProblemError } from "@studyhall/core";
import { and, desc, eq, inArray, lt, or, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { Viewer } from "./course-access.ts";
import { jsonArrayHas, likeText } from "./dialect.ts";
import type { Db } from "./index.ts";
import { type PracticeQuestion, practiceEvents, practiceQuestions } from "./tables.ts";

/** Whether a viewer sees every question's answer without practising it first. */
export const seesAnswers = (viewer: Viewer) => viewer.role !== "student";

/** A question and whether its answer fields may be shown to the viewer. */
export interface ShownQuestion {
  question: PracticeQuestion;
  revealed: boolean;
}

/** What a bank search asks for (the route validates the shapes). */
export interface BankSearch {
  q?: string;
  topic?: string;
  tag?: string;
  difficulty?: Difficulty;
  pinned?: "true" | "false";
  cursor?: string;
  limit: number;
}

/** A position in the newest-first order: creation time, then id to break ties. */
function encodeCursor(q: Pick<PracticeQuestion, "createdAt" | "id">): string {
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
const contains = (column: SQLWrapper, word: string) => likeText(column, `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);

/** The WHERE clause of a bank search in one organisation. */
function bankFilter(orgId: string, query: BankSearch): SQL {
  const where: (SQL | undefined)[] = [eq(practiceQuestions.orgId, orgId)];
  // Every word must appear somewhere: in the prompt, the topic or a tag.
  for (const word of (query.q ?? "").split(/\s+/).filter(Boolean).slice(0, 8)) {
    where.push(
      or(contains(practiceQuestions.prompt, word), contains(practiceQuestions.topic, word), contains(practiceQuestions.tags, word)),
    );
  }
  if (query.topic) where.push(sql`lower(${practiceQuestions.topic}) = lower(${query.topic})`);
  if (query.tag) where.push(jsonArrayHas(practiceQuestions.tags, query.tag));
  if (query.difficulty) where.push(eq(practiceQuestions.difficulty, query.difficulty));
  if (query.pinned) where.push(eq(practiceQuestions.pinned, query.pinned === "true"));
  if (query.cursor) {
    const { at, id } = decodeCursor(query.cursor);
    where.push(or(lt(practiceQuestions.createdAt, at), and(eq(practiceQuestions.createdAt, at), lt(practiceQuestions.id, id))));
  }
  return and(...where)!;
}

/**
 * A page of the viewer's organisation's bank, newest first, with the cursor of the next page (null on the last).
 * @throws ProblemError validation-failed for a cursor this API did not hand out.
 */
export async function searchBank(
  db: Db,
  viewer: Viewer,
  query: BankSearch,
): Promise<{ items: ShownQuestion[]; nextCursor: string | null }> {
  const rows = await db
    .select()
    .from(practiceQuestions)
    .where(bankFilter(viewer.orgId, query))
    .orderBy(desc(practiceQuestions.createdAt), desc(practiceQuestions.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const practised = new Set<string>();
  if (!seesAnswers(viewer) && page.length) {
    const events = await db
      .selectDistinct({ questionId: practiceEvents.questionId })
      .from(practiceEvents)
      .where(
        and(
          eq(practiceEvents.userId, viewer.id),
          inArray(
            practiceEvents.questionId,
            page.map((q) => q.id),
          ),
        ),
      );
    for (const e of events) practised.add(e.questionId);
  }
  return {
    items: page.map((question) => ({ question, revealed: seesAnswers(viewer) || practised.has(question.id) })),
    nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!) : null,
  };
}

async function questionOf(db: Db, viewer: Viewer, id: string): Promise<PracticeQuestion> {
  const question = await db.query.practiceQuestions.findFirst({
    where: and(eq(practiceQuestions.id, id), eq(practiceQuestions.orgId, viewer.orgId)),
  });
  if (!question) throw notFound("question");
  return question;
}

/** One question of the viewer's organisation; revealed to a student once they have practised it. */
export async function shownQuestion(db: Db, viewer: Viewer, id: string): Promise<ShownQuestion> {
  const question = await questionOf(db, viewer, id);
  const practised =
    !seesAnswers(viewer) &&
    (await db.query.practiceEvents.findFirst({
      where: and(eq(practiceEvents.questionId, question.id), eq(practiceEvents.userId, viewer.id)),
    }));
  return { question, revealed: seesAnswers(viewer) || Boolean(practised) };
}

/** Pins, unpins or retags a question (tags deduplicated); 404 outside the viewer's organisation. */
export async function tagQuestion(
  db: Db,
  viewer: Viewer,
  id: string,
  patch: { pinned?: boolean; tags?: string[] },
): Promise<PracticeQuestion> {
  const tags = patch.tags ? [...new Set(patch.tags)] : undefined;
  const [updated] = await db
    .update(practiceQuestions)
    .set({ ...(patch.pinned !== undefined ? { pinned: patch.pinned } : {}), ...(tags ? { tags } : {}) })
    .where(and(eq(practiceQuestions.id, id), eq(practiceQuestions.orgId, viewer.orgId)))
    .returning();
  if (!updated) throw notFound("question");
  return updated;
}

/**
 * Deletes a question: whoever generated it, or an admin.
 * @throws ProblemError not-found, forbidden.
 */
export async function deleteQuestion(db: Db, viewer: Viewer, id: string): Promise<void> {
  const question = await questionOf(db, viewer, id);
  if (viewer.role !== "admin" && question.ownerId !== viewer.id)
    throw forbidden("Only whoever generated the question or an admin can delete it.");
  await db.delete(practiceQuestions).where(eq(practiceQuestions.id, question.id));
}

/** The outcome of answering a question, with what explains it. */
export interface PracticeOutcome {
  questionId: string;
  choice: number;
  correct: boolean;
  answer: number;
  explanation: string;
  sourcePassage: string | null;
}

/**
 * Answers a question and records the practice (for the week's trending list, and what a student may see).
 * @throws ProblemError not-found, validation-failed (no such choice).
 */
export async function answerQuestion(db: Db, viewer: Viewer, id: string, choice: number): Promise<PracticeOutcome> {
  const question = await questionOf(db, viewer, id);
  const choices = Array.isArray(question.choices) ? question.choices : [];
  if (choice >= choices.length) {
    throw new ProblemError("validation-failed", {
      detail: `The question has ${choices.length} choices, numbered from 0.`,
      extensions: { invalidParams: [{ name: "choice", reason: `must be below ${choices.length}` }] },
    });
  }
  const answer = Number(question.answer);
  const correct = choice === answer;
  await db.insert(practiceEvents).values({ orgId: viewer.orgId, questionId: question.id, userId: viewer.id, correct });
  return { questionId: question.id, choice, correct, answer, explanation: question.explanation, sourcePassage: question.sourcePassage };
}
