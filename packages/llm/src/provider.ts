/**
 * The door every generator goes through. A course is generated in stages,
 * each one a checkpoint the job handler stores before the next: the outline,
 * then one lesson at a time, then a quiz per module. The tutor and practice
 * banks use `answer` and `generateQuestions`; tutoring-session reports use `report`.
 */

import type { CourseOutline, GeneratedLesson, GeneratedQuestion, ParsedDocument, SessionReportContent } from "@studyhall/core";
import { z } from "zod";

/** Tokens a call consumed, as the endpoint reported them; zero for the extractive provider. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export const ZERO_USAGE: TokenUsage = Object.freeze({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });

/** Sums usages, for calls that took more than one request (retries that got a body, repairs). */
export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
}

export interface OutlineInput {
  document: ParsedDocument;
  /** Overrides the document's own title. */
  title?: string;
  /** Who the course is for, e.g. "first-year nursing students". */
  audience?: string;
  /** Wanted number of modules; the provider picks one from the document's structure when absent. */
  moduleCount?: number;
}

export interface LessonInput {
  document: ParsedDocument;
  outline: CourseOutline;
  moduleIndex: number;
  lessonIndex: number;
}

export interface QuizInput {
  document: ParsedDocument;
  outline: CourseOutline;
  moduleIndex: number;
  /** The module's lessons as generated, so the quiz asks about what was taught. */
  lessons: GeneratedLesson[];
}

/** A passage the tutor may quote; pages are optional because stored chunks may not keep them. */
export const passageSchema = z.object({
  sectionIndex: z.number().int().min(0),
  title: z.string(),
  text: z.string(),
  pageStart: z.number().int().min(1).optional(),
  pageEnd: z.number().int().min(1).optional(),
});
export type Passage = z.infer<typeof passageSchema>;

export interface AnswerInput {
  question: string;
  passages: Passage[];
}

export const citationSchema = z.object({
  sectionIndex: z.number().int().min(0),
  title: z.string(),
  pageStart: z.number().int().min(1).optional(),
  pageEnd: z.number().int().min(1).optional(),
  /** The words of the passage the answer rests on. */
  quote: z.string().min(1),
});
export type Citation = z.infer<typeof citationSchema>;

export type Difficulty = "easy" | "medium" | "hard";

/** Questions come from a whole document or from chosen passages (a lesson's, a search's). */
export type QuestionSource = { document: ParsedDocument; passages?: undefined } | { passages: Passage[]; document?: undefined };

export type GenerateQuestionsInput = QuestionSource & {
  /** Narrows the questions to what the text says about this. */
  topic?: string;
  difficulty: Difficulty;
  count: number;
};

/** One message of a session's transcript, as a report reads it. */
export const transcriptLineSchema = z.object({
  seq: z.number().int().positive(),
  speaker: z.enum(["student", "teacher", "tutor", "other"]),
  name: z.string(),
  text: z.string(),
});
export type TranscriptLine = z.infer<typeof transcriptLineSchema>;

/** A lesson of the session's course that a report may recommend. */
export const reportLessonSchema = z.object({ id: z.string().min(1), title: z.string(), text: z.string() });
export type ReportLesson = z.infer<typeof reportLessonSchema>;

export const reportInputSchema = z.object({
  transcript: z.array(transcriptLineSchema),
  lessons: z.array(reportLessonSchema),
  courseTitle: z.string().optional(),
});
export type ReportInput = z.infer<typeof reportInputSchema>;

/**
 * A course generator. Implementations: `createExtractiveProvider()` (offline,
 * deterministic, the default) and `createOpenAiProvider()`.
 *
 * @example
 * const provider = createProvider(loadLlmConfig(env));
 * const { outline, usage } = await provider.outline({ document, moduleCount: 4 });
 * const { lesson } = await provider.lesson({ document, outline, moduleIndex: 0, lessonIndex: 0 });
 */
export interface LlmProvider {
  readonly name: "openai" | "extractive";
  /** The model that answers, recorded on the job for provenance. */
  readonly model: string;
  outline(input: OutlineInput): Promise<{ outline: CourseOutline; usage: TokenUsage }>;
  lesson(input: LessonInput): Promise<{ lesson: GeneratedLesson; usage: TokenUsage }>;
  quiz(input: QuizInput): Promise<{ questions: GeneratedQuestion[]; usage: TokenUsage }>;
  answer(input: AnswerInput): Promise<{ text: string; citations: Citation[]; usage: TokenUsage }>;
  generateQuestions(input: GenerateQuestionsInput): Promise<{ questions: GeneratedQuestion[]; usage: TokenUsage }>;
  /** A tutoring session's report from its transcript; every quote is an exact substring of the message it names. */
  report(input: ReportInput): Promise<{ report: SessionReportContent; usage: TokenUsage }>;
}
