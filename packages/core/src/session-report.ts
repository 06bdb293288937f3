/**
 * The report of a tutoring session, as the provider writes it and clients
 * read it: topics covered, what the student understood, the gaps, and the
 * course's lessons to take next. Every point is backed by quotes, each an
 * exact substring of one transcript message, named by its `seq`, so a
 * teacher can check every claim against what was said.
 */
import { z } from "zod";

export const transcriptQuoteSchema = z.object({
  /** The message quoted. */
  seq: z.number().int().positive(),
  /** Words copied exactly from that message. */
  text: z.string().min(1).max(1000),
});
export type TranscriptQuote = z.infer<typeof transcriptQuoteSchema>;

export const reportPointSchema = z.object({
  point: z.string().min(1).max(300),
  quotes: z.array(transcriptQuoteSchema).min(1).max(5),
});
export type ReportPoint = z.infer<typeof reportPointSchema>;

export const recommendedLessonSchema = z.object({
  lessonId: z.string().min(1),
  title: z.string(),
  reason: z.string().min(1).max(300),
  quotes: z.array(transcriptQuoteSchema).min(1).max(5),
});
export type RecommendedLesson = z.infer<typeof recommendedLessonSchema>;

/** What a provider produces. */
export const sessionReportContentSchema = z.object({
  topics: z.array(reportPointSchema).max(10),
  understood: z.array(reportPointSchema).max(10),
  gaps: z.array(reportPointSchema).max(10),
  recommendedLessons: z.array(recommendedLessonSchema).max(5),
});
export type SessionReportContent = z.infer<typeof sessionReportContentSchema>;

/** What is stored and shown: the content, and what it was made from and by. */
export const sessionReportSchema = sessionReportContentSchema.extend({
  messageCount: z.number().int().min(0),
  provider: z.string(),
  model: z.string(),
  generatedAt: z.string(),
});
export type SessionReportDocument = z.infer<typeof sessionReportSchema>;

/** The quotes of a report that are not exact substrings of the message they name (empty when all hold). */
export function misquotes(report: SessionReportContent, messages: ReadonlyMap<number, string>): TranscriptQuote[] {
  const all = [...report.topics, ...report.understood, ...report.gaps, ...report.recommendedLessons].flatMap((p) => p.quotes);
  return all.filter((q) => !(messages.get(q.seq)?.includes(q.text) ?? false));
}
