/**
 * generate-questions: writes interview-style practice questions for the
 * organisation's bank from a document section, a topic, or both, and stores
 * them with the job's id. A redelivered message finds the questions already
 * stored under that id and writes nothing twice.
 */

import { type JobPayload, PermanentJobError } from "@studyhall/core";
import { currentViewer, questionsOfJob, storeGeneratedQuestions } from "@studyhall/db";
import { generatorFor } from "../llm.ts";
import { passageOf, selectPassages } from "../practice-passages.ts";
import type { JobContext } from "../runner.ts";

export async function generateQuestions(ctx: JobContext, payload: JobPayload<"generate-questions">): Promise<unknown> {
  const { db, env, job } = ctx;

  // The questions of an attempt are written in one batch, so either all of them are here or none.
  const stored = await questionsOfJob(db, job.id);
  if (stored.length > 0) return { count: stored.length, questionIds: stored.map((q) => q.id) };

  await ctx.progress(10, "finding passages");
  const reader = await currentViewer(db, job.ownerId);
  if (!reader || reader.orgId !== job.orgId)
    throw new PermanentJobError(
      "not-found",
      "The requester is gone",
      "Whoever asked for these questions is no longer a member of the organisation.",
    );
  const passages = await selectPassages(db, {
    reader,
    documentId: payload.documentId,
    sectionIndex: payload.sectionIndex,
    topic: payload.topic,
  });

  await ctx.progress(30, "writing questions");
  const { questions } = await generatorFor(env, db, job).call("generateQuestions", {
    passages: passages.map((p) => p.passage),
    topic: payload.topic,
    difficulty: payload.difficulty,
    count: payload.count,
  });
  if (questions.length === 0) {
    throw new PermanentJobError(
      "no-questions",
      "No questions could be written",
      "The passages hold no definitions or facts to ask about; try another section or topic.",
    );
  }

  await ctx.progress(90, "saving questions");
  const now = Date.now();
  const rows = questions.slice(0, payload.count).map((q, i) => {
    const from = passageOf(passages, q.sourcePassage);
    return {
      id: crypto.randomUUID(),
      orgId: job.orgId,
      ownerId: job.ownerId,
      documentId: from?.documentId ?? payload.documentId ?? null,
      sectionIndex: from?.sectionIndex ?? payload.sectionIndex ?? null,
      // Without a topic, the section's (or the document's first passage's) title names what the question is about.
      topic: payload.topic ?? from?.passage.title ?? passages[0]!.passage.title,
      difficulty: payload.difficulty,
      prompt: q.prompt,
      choices: q.choices,
      answer: q.answer,
      explanation: q.explanation,
      sourcePassage: q.sourcePassage,
      tags: [],
      jobId: job.id,
      // Distinct times keep the bank's newest-first order stable within one batch.
      createdAt: new Date(now + i),
    };
  });
  await storeGeneratedQuestions(db, rows);
  return { count: rows.length, questionIds: rows.map((r) => r.id) };
}
