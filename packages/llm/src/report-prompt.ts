/**
 * The openai provider's session report: the transcript and the course's
 * lessons as one delimited, defused block (chat messages are untrusted text,
 * like documents), the instruction, and the reply's schema. The reply is
 * checked against what the model was shown: each quote must be an exact
 * substring of the message it names and each lesson one of the course's, or
 * the model gets one repair round (chat-json.ts).
 */
import { reportPointSchema, type SessionReportContent, transcriptQuoteSchema } from "@studyhall/core";
import { z } from "zod";
import { defuse, truncate } from "./prompts.ts";
import type { ReportInput, ReportLesson } from "./provider.ts";

export const reportOutputSchema = z.object({
  topics: z.array(reportPointSchema).max(8),
  understood: z.array(reportPointSchema).max(8),
  gaps: z.array(reportPointSchema).max(8),
  recommendedLessons: z
    .array(
      z.object({ lessonId: z.string().min(1), reason: z.string().min(1).max(300), quotes: z.array(transcriptQuoteSchema).min(1).max(5) }),
    )
    .max(3),
});
type ReportOutput = z.infer<typeof reportOutputSchema>;

/** The reply schema for one transcript: quotes and lessons must be real. */
export function reportOutputFor(input: ReportInput) {
  const texts = new Map(input.transcript.map((l) => [l.seq, l.text]));
  const lessonIds = new Set(input.lessons.map((l) => l.id));
  return reportOutputSchema.superRefine((report, ctx) => {
    const sections = ["topics", "understood", "gaps", "recommendedLessons"] as const;
    for (const section of sections) {
      for (const [i, item] of report[section].entries()) {
        for (const [j, q] of item.quotes.entries()) {
          const text = texts.get(q.seq);
          if (text === undefined)
            ctx.addIssue({ code: "custom", message: `there is no message ${q.seq}`, path: [section, i, "quotes", j, "seq"] });
          else if (!text.includes(q.text)) {
            ctx.addIssue({
              code: "custom",
              message: `not an exact substring of message ${q.seq}; copy its words exactly`,
              path: [section, i, "quotes", j, "text"],
            });
          }
        }
      }
    }
    report.recommendedLessons.forEach((l, i) => {
      if (!lessonIds.has(l.lessonId))
        ctx.addIssue({
          code: "custom",
          message: `lesson ${l.lessonId} is not one of the course's`,
          path: ["recommendedLessons", i, "lessonId"],
        });
    });
  });
}

/** The recommended lessons with their titles, which are ours to state. */
export function reportFromOutput(output: ReportOutput, lessons: readonly ReportLesson[]): SessionReportContent {
  const titles = new Map(lessons.map((l) => [l.id, l.title]));
  return {
    topics: output.topics,
    understood: output.understood,
    gaps: output.gaps,
    recommendedLessons: output.recommendedLessons.map((l) => ({ ...l, title: titles.get(l.lessonId) ?? "" })),
  };
}

export const REPORT_TASK = [
  "Write the report of this tutoring session for the teacher, using only what the transcript says.",
  "topics: the subjects the session covered. understood: what the student showed they understood (explained correctly, or confirmed by the teacher). gaps: what the student asked about or was confused by and did not come to understand.",
  "recommendedLessons: up to 3 lessons of the course, by lessonId, that the student should take next because they address the gaps (or, with no gaps, go further into the topics).",
  "Back every point with 1 to 3 quotes. A quote is { seq, text }: seq is the number in a [message N | …] header and text is a sentence or phrase copied exactly, character for character, from that message.",
].join(" ");

/** The transcript and the lessons as one block the model reads as data. */
export function transcriptBlock(input: ReportInput, budget: number): string {
  const transcriptBudget = Math.floor(budget * 0.7);
  const perMessage = Math.max(200, Math.floor(transcriptBudget / Math.max(1, input.transcript.length)) - 40);
  const messages = input.transcript.map(
    (l) => `[message ${l.seq} | ${l.speaker} | ${defuse(l.name.replace(/\s+/g, " ").trim())}]\n${defuse(truncate(l.text, perMessage))}`,
  );
  const perLesson = Math.max(200, Math.floor((budget - transcriptBudget) / Math.max(1, input.lessons.length)) - 40);
  const lessons = input.lessons.map(
    (l) => `[lesson ${l.id} | ${defuse(l.title.replace(/\s+/g, " ").trim())}]\n${defuse(truncate(l.text, perLesson))}`,
  );
  const heading = input.courseTitle ? `Course: ${defuse(input.courseTitle.replace(/\s+/g, " ").trim())}\n\n` : "";
  return `<document>\n${heading}Transcript:\n\n${messages.join("\n\n")}\n\nLessons of the course:\n\n${lessons.join("\n\n") || "(none)"}\n</document>`;
}
