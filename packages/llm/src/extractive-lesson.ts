/**
 * The extractive lesson: the most central sentences of the lesson's sections
 * (TextRank), kept in document order, rendered as a study guide a teacher can
 * hand out: a short summary, key points, key terms with the document's own
 * definitions, and the pages it came from.
 */
import type { CourseOutline, GeneratedLesson, KeyTerm, ParsedDocument } from "@studyhall/core";
import { pageLabel, sentencesOf } from "./document-sections.ts";
import { LlmPermanentError } from "./errors.ts";
import { termsIn } from "./key-terms.ts";
import { centralSentences, documentIdf } from "./textrank.ts";

const MAX_KEY_TERMS = 6;

/** Escapes the characters that would turn quoted prose into Markdown syntax ("x = 3.14 * r"). */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_[\]<>|])/g, "\\$1").replace(/^([#+-]|\d+\.)(\s)/, "\\$1$2");
}

/** How many sentences a lesson keeps: about two fifths of its sections, between 3 and 9. */
function sentenceBudget(available: number): number {
  return Math.min(available, Math.max(3, Math.min(9, Math.round(available * 0.4))));
}

/** Where the lesson's outline entry points, or a typed error when it does not exist. */
export function outlineLesson(outline: CourseOutline, moduleIndex: number, lessonIndex: number) {
  const module = outline.modules[moduleIndex];
  const lesson = module?.lessons[lessonIndex];
  if (!module || !lesson) throw new LlmPermanentError("bad-input", `outline has no lesson ${moduleIndex}.${lessonIndex}`);
  return { module, lesson };
}

/**
 * Writes one lesson of the outline from the document's text.
 *
 * @example
 * const lesson = extractiveLesson(document, outline, 0, 1);
 * lesson.bodyMd.startsWith("A lexer is") // the summary opens with the most central sentences
 */
export function extractiveLesson(
  document: ParsedDocument,
  outline: CourseOutline,
  moduleIndex: number,
  lessonIndex: number,
): GeneratedLesson {
  const { lesson } = outlineLesson(outline, moduleIndex, lessonIndex);
  const sentences = sentencesOf(document, lesson.sectionIndexes);
  if (sentences.length === 0) throw new LlmPermanentError("no-teachable-text", `lesson "${lesson.title}" has no prose in its sections`);
  const chosen = centralSentences(sentences, documentIdf(document), sentenceBudget(sentences.length));
  // The two most central sentences make the summary; the rest become key points, all in reading order.
  const summaryCount = chosen.length <= 3 ? 1 : 2;
  const summary = chosen.filter((c) => c.rank < summaryCount).map((c) => escapeMarkdown(c.sentence.text));
  const points = chosen.filter((c) => c.rank >= summaryCount).map((c) => `- ${escapeMarkdown(c.sentence.text)}`);

  const keyTerms: KeyTerm[] = termsIn(document, lesson.sectionIndexes, MAX_KEY_TERMS).map((t) => ({
    term: t.term,
    definition: t.definition,
  }));
  const sections = document.sections.filter((s) => lesson.sectionIndexes.includes(s.index));
  const sources = sections.map((s) => ({ sectionIndex: s.index, pageStart: s.pageStart, pageEnd: s.pageEnd }));
  const first = Math.min(...sources.map((s) => s.pageStart));
  const last = Math.max(...sources.map((s) => s.pageEnd));

  const body = [summary.join(" ")];
  if (points.length > 0) body.push("### Key points", points.join("\n"));
  if (keyTerms.length > 0) {
    body.push("### Key terms", keyTerms.map((k) => `- **${escapeMarkdown(k.term)}**: ${escapeMarkdown(k.definition)}`).join("\n"));
  }
  const cited = sections.map((s) => escapeMarkdown(s.title.trim())).join("; ");
  body.push(`*Source: ${cited}, ${pageLabel(first, last)}.*`);

  return { title: lesson.title, bodyMd: body.join("\n\n"), keyTerms, sources };
}
