/**
 * session-report: the report of a tutoring session, written from its room's
 * transcript by the provider (through the global LLM gate, charged to the
 * teacher who asked): topics, what the student understood, gaps, and the
 * course's lessons to take next, each backed by exact quotes. The report row
 * names the job writing it; a job that is no longer the row's (a newer
 * request took over) or whose report is written already writes nothing.
 */

import {
  type JobPayload,
  misquotes,
  PermanentJobError,
  type RoomMessage,
  type SessionReportDocument,
  sessionReportContentSchema,
} from "@studyhall/core";
import { lessonsToRecommend, reportToWrite, type Session, saveSessionReport } from "@studyhall/db";
import type { TranscriptLine } from "@studyhall/llm";
import { generatorFor } from "../llm.ts";
import type { JobContext, JobHandler } from "../runner.ts";
import { type RoomFor, readTranscript, sessionRoomFor } from "../session-room-port.ts";

/** Who said a message, as the report reads it: the session's student, its teachers, the tutor. */
function speakerOf(message: RoomMessage, session: Session): TranscriptLine["speaker"] {
  if (message.type === "tutor") return "tutor";
  if (message.author.id === session.studentId || message.author.role === "student") return "student";
  if (message.author.role === "teacher" || message.author.role === "admin") return "teacher";
  return "other";
}

/** The handler, with the room it reads as a dependency (tests may pass a double). */
export function sessionReportHandler(deps: { room: RoomFor } = { room: sessionRoomFor }): JobHandler<"session-report"> {
  return async function sessionReport(ctx: JobContext, payload: JobPayload<"session-report">): Promise<unknown> {
    const { sessionId, orgId } = payload;
    const { db, env, job } = ctx;
    const found = await reportToWrite(db, orgId, sessionId, job.id);
    if ("gone" in found) throw new PermanentJobError("not-found", "The session is gone", "The session to report on no longer exists.");
    if (!("session" in found)) return { sessionId, ...found };
    const { session } = found;

    await ctx.progress(10, "reading the transcript");
    const transcript: TranscriptLine[] = (await readTranscript(deps.room(env, session.id)))
      .filter((m) => m.text.trim() !== "")
      .map((m) => ({ seq: m.seq, speaker: speakerOf(m, session), name: m.author.name, text: m.text }));
    const course = await lessonsToRecommend(db, session);

    await ctx.progress(30, "writing the report");
    const generator = generatorFor(env, db, job);
    const { report } = await generator.call("report", { transcript, lessons: course.lessons, courseTitle: course.title });
    const content = sessionReportContentSchema.parse(report);
    // Providers promise exact quotes; a report that breaks the promise is not stored.
    const wrong = misquotes(content, new Map(transcript.map((l) => [l.seq, l.text])));
    if (wrong.length)
      throw new PermanentJobError(
        "report-misquoted",
        "The report misquoted the session",
        `${wrong.length} quotes are not in the transcript.`,
      );

    await ctx.progress(90, "saving the report");
    const document: SessionReportDocument = {
      ...content,
      messageCount: transcript.length,
      provider: generator.provider.name,
      model: generator.provider.model,
      generatedAt: new Date().toISOString(),
    };
    await saveSessionReport(db, session.id, job.id, document);
    return { sessionId, messageCount: transcript.length, provider: generator.provider.name, tokens: generator.tokensUsed() };
  };
}

export const sessionReport = sessionReportHandler();
