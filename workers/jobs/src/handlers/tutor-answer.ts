/**
 * tutor-answer: the AI tutor answers a study room's `@tutor` question from
 * the course's own document. It picks the passages of the document that best
 * match the question, asks the provider (through the global LLM gate, charged
 * to the asker), and posts the answer into the room in pieces, one stream, so
 * clients see it grow; offline, the answer is the best-matching passages
 * quoted and cited by section and pages. A redelivered job finds its answer
 * already in the room and posts nothing again.
 */

import { type JobPayload, PermanentJobError } from "@studyhall/core";
import { courseDocumentSections, sessionInOrg } from "@studyhall/db";
import { type Citation, sectionPassages, topPassages } from "@studyhall/llm";
import { generatorFor } from "../llm.ts";
import type { JobContext, JobHandler } from "../runner.ts";
import { postedAnswer, postToRoom, type RoomFor, sessionRoomFor } from "../session-room-port.ts";

/** Passages handed to the provider: enough to answer from, few enough for a bounded prompt. */
const PASSAGES = 6;
/** The room stores at most this much of one message. */
const MAX_ANSWER_CHARS = 20_000;

/**
 * The answer cut into a few pieces at paragraph and sentence ends; joined,
 * they are the answer exactly.
 */
export function answerPieces(text: string, count = 4): string[] {
  const parts = text.split(/(?<=\n\n)|(?<=[.!?] )/).filter((p) => p !== "");
  const size = Math.max(40, Math.ceil(text.length / count));
  const pieces: string[] = [];
  for (const part of parts) {
    const last = pieces.at(-1);
    if (last !== undefined && last.length < size) pieces[pieces.length - 1] = last + part;
    else pieces.push(part);
  }
  return pieces.length ? pieces : [text];
}

const roomCitation = (c: Citation) => ({
  title: c.title.slice(0, 300),
  ...(c.pageStart !== undefined ? { pageStart: c.pageStart } : {}),
  ...(c.pageEnd !== undefined ? { pageEnd: c.pageEnd } : {}),
  quote: c.quote.slice(0, 2000),
});

/** The handler, with the room it speaks into as a dependency (tests may pass a double). */
export function tutorAnswerHandler(deps: { room: RoomFor } = { room: sessionRoomFor }): JobHandler<"tutor-answer"> {
  return async function tutorAnswer(ctx: JobContext, payload: JobPayload<"tutor-answer">): Promise<unknown> {
    const { db, env, job } = ctx;
    const session = await sessionInOrg(db, payload.orgId, payload.sessionId);
    if (!session)
      throw new PermanentJobError("not-found", "The session is gone", "The study room this question was asked in no longer exists.");
    const room = deps.room(env, session.id);

    await ctx.progress(10, "checking the room");
    const already = await postedAnswer(room, payload.replyToSeq);
    if (already !== null) return { sessionId: session.id, seq: already, alreadyPosted: true };

    const sections = await courseDocumentSections(db, payload.orgId, payload.courseId);
    const streamId = `${job.id}:${job.attempts}`;
    if (sections.length === 0) {
      const text = "I can only answer from this course's document, and it has none I can read yet.";
      const seq = await postToRoom(room, { streamId, text, replyToSeq: payload.replyToSeq, final: true });
      return { sessionId: session.id, seq, citations: 0 };
    }

    await ctx.progress(25, "finding the passages");
    const passages = topPassages(
      payload.question,
      sectionPassages(
        sections.map((s) => ({ index: s.position, title: s.title, text: s.text, pageStart: s.pageStart, pageEnd: s.pageEnd })),
      ),
      PASSAGES,
    );
    await ctx.progress(40, "answering");
    const generator = generatorFor(env, db, job);
    const { text, citations } = await generator.call("answer", { question: payload.question, passages });

    // Each piece is a checkpoint: the lease is renewed and a cancellation stops the answer.
    const pieces = answerPieces(text.slice(0, MAX_ANSWER_CHARS));
    let seq = 0;
    for (const [i, piece] of pieces.entries()) {
      const final = i === pieces.length - 1;
      await ctx.progress(60 + Math.round((35 * i) / pieces.length), "posting the answer");
      seq = await postToRoom(room, {
        streamId,
        text: piece,
        replyToSeq: payload.replyToSeq,
        final,
        ...(final && citations.length ? { citations: citations.slice(0, 20).map(roomCitation) } : {}),
      });
    }
    return { sessionId: session.id, seq, citations: citations.length, provider: generator.provider.name, tokens: generator.tokensUsed() };
  };
}

export const tutorAnswer = tutorAnswerHandler();
