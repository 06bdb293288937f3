/**
 * Content contracts between the parser, the generators and the job handlers:
 * what a parsed document looks like and what a generated course holds.
 */
import { z } from "zod";

export const outlineEntrySchema = z.object({
  title: z.string(),
  level: z.number().int().min(1),
  /** 1-based page the entry points to, when known. */
  page: z.number().int().min(1).nullable(),
});
export type OutlineEntry = z.infer<typeof outlineEntrySchema>;

export const parsedSectionSchema = z.object({
  index: z.number().int().min(0),
  title: z.string(),
  level: z.number().int().min(1),
  pageStart: z.number().int().min(1),
  pageEnd: z.number().int().min(1),
  text: z.string(),
});
export type ParsedSection = z.infer<typeof parsedSectionSchema>;

export const parsedDocumentSchema = z.object({
  title: z.string().nullable(),
  pageCount: z.number().int().min(0),
  /** Normalised text of each page, in order. */
  pages: z.array(z.string()),
  outline: z.array(outlineEntrySchema),
  sections: z.array(parsedSectionSchema),
});
export type ParsedDocument = z.infer<typeof parsedDocumentSchema>;

/** Why a PDF could not be parsed; each is its own problem type on the job. */
export const parseFailureCodes = ["pdf-encrypted", "pdf-damaged", "pdf-no-text", "pdf-too-many-pages"] as const;
export type ParseFailureCode = (typeof parseFailureCodes)[number];

export const keyTermSchema = z.object({ term: z.string().min(1), definition: z.string().min(1) });
export type KeyTerm = z.infer<typeof keyTermSchema>;

export const sourceRefSchema = z.object({
  sectionIndex: z.number().int().min(0),
  pageStart: z.number().int().min(1),
  pageEnd: z.number().int().min(1),
});
/** Where a lesson's material came from: a parsed section and its pages. */
export type SourceRef = z.infer<typeof sourceRefSchema>;

/** A lesson's source as stored: a planned lesson names only its section, a written one adds the pages. */
export const lessonSourceSchema = sourceRefSchema.partial({ pageStart: true, pageEnd: true });
export type LessonSource = z.infer<typeof lessonSourceSchema>;

/** Whether a stored source has its pages, as every written lesson's sources do. */
export const hasPages = (source: LessonSource): source is SourceRef => source.pageStart !== undefined && source.pageEnd !== undefined;

export const generatedLessonSchema = z.object({
  title: z.string().min(1).max(200),
  bodyMd: z.string().min(1),
  keyTerms: z.array(keyTermSchema),
  sources: z.array(sourceRefSchema),
});
export type GeneratedLesson = z.infer<typeof generatedLessonSchema>;

export const generatedQuestionSchema = z.object({
  kind: z.literal("single-choice"),
  prompt: z.string().min(1),
  choices: z.array(z.string().min(1)).min(2).max(6),
  /** Index of the correct choice. */
  answer: z.number().int().min(0),
  explanation: z.string(),
  /** The passage of the document that holds the answer. */
  sourcePassage: z.string().min(1),
});
export type GeneratedQuestion = z.infer<typeof generatedQuestionSchema>;

/** One lesson of the outline: its title and the parsed sections it is built from. */
export const outlineLessonSchema = z.object({
  title: z.string().min(1).max(200),
  sectionIndexes: z.array(z.number().int().min(0)).min(1),
});
export type OutlineLesson = z.infer<typeof outlineLessonSchema>;

export const outlineModuleSchema = z.object({
  title: z.string().min(1).max(200),
  summary: z.string(),
  lessons: z.array(outlineLessonSchema).min(1),
});
export type OutlineModule = z.infer<typeof outlineModuleSchema>;

/** The first generation stage: the course's shape, checkpointed before lessons are written. */
export const courseOutlineSchema = z.object({
  title: z.string().min(1).max(200),
  description: z.string(),
  modules: z.array(outlineModuleSchema).min(1),
});
export type CourseOutline = z.infer<typeof courseOutlineSchema>;
