/**
 * The offline provider, and the default: a course built only from the
 * document's own sentences, with no model and no network. Deterministic (the
 * same document always gives the same course), so tests and job retries can
 * rely on it, and it reports zero tokens.
 */
import {
  courseOutlineSchema,
  type GeneratedQuestion,
  generatedLessonSchema,
  generatedQuestionSchema,
  type ParsedDocument,
  sessionReportContentSchema,
} from "@studyhall/core";
import { z } from "zod";
import { teachableSections } from "./document-sections.ts";
import { LlmPermanentError } from "./errors.ts";
import { extractiveLesson, outlineLesson } from "./extractive-lesson.ts";
import { extractiveOutline } from "./extractive-outline.ts";
import { extractiveReport } from "./extractive-report.ts";
import { documentTerms, type TermEntry } from "./key-terms.ts";
import { bestPassages, bm25 } from "./passage-search.ts";
import { type Difficulty, type LlmProvider, type Passage, passageSchema, reportInputSchema, ZERO_USAGE } from "./provider.ts";
import { buildQuestions, type QuestionPlan } from "./questions.ts";
import { normalizeForCompare } from "./words.ts";

const PLANS: Record<Difficulty, QuestionPlan> = {
  easy: { choices: 3, style: "terms" },
  medium: { choices: 4, style: "mixed" },
  hard: { choices: 5, style: "mixed" },
};

const questionsSchema = z.array(generatedQuestionSchema);

/** Stronger definitions first; the weak "subject" pattern only when nothing better is left. */
function byStrength(boost: (t: TermEntry) => number = () => 0) {
  return (a: TermEntry, b: TermEntry) =>
    b.score + boost(b) - (b.kind === "subject" ? 2 : 0) - (a.score + boost(a) - (a.kind === "subject" ? 2 : 0));
}

/** Passages handed in by the tutor or a search, seen as a small document. */
function passagesDocument(passages: readonly Passage[]): ParsedDocument {
  return {
    title: null,
    pageCount: 0,
    pages: [],
    outline: [],
    sections: passages.map((p) => ({
      index: p.sectionIndex,
      title: p.title,
      level: 1,
      pageStart: p.pageStart ?? 1,
      pageEnd: p.pageEnd ?? p.pageStart ?? 1,
      text: p.text,
    })),
  };
}

/**
 * The extractive provider.
 *
 * @example
 * const provider = createExtractiveProvider();
 * const { outline } = await provider.outline({ document, moduleCount: 4 });
 */
export function createExtractiveProvider(): LlmProvider {
  return {
    name: "extractive",
    model: "extractive-textrank-1",

    async outline(input) {
      return { outline: courseOutlineSchema.parse(extractiveOutline(input)), usage: ZERO_USAGE };
    },

    async lesson({ document, outline, moduleIndex, lessonIndex }) {
      return { lesson: generatedLessonSchema.parse(extractiveLesson(document, outline, moduleIndex, lessonIndex)), usage: ZERO_USAGE };
    },

    async quiz({ document, outline, moduleIndex, lessons }) {
      const module = outline.modules[moduleIndex];
      if (!module) throw new LlmPermanentError("bad-input", `outline has no module ${moduleIndex}`);
      for (let i = 0; i < module.lessons.length; i++) outlineLesson(outline, moduleIndex, i);
      const sections = new Set(module.lessons.flatMap((l) => l.sectionIndexes));
      const taught = new Set(lessons.flatMap((l) => l.keyTerms.map((k) => normalizeForCompare(k.term))));
      const pool = documentTerms(document);
      // Terms the lessons listed are asked about first: the quiz checks what was taught.
      const candidates = pool
        .filter((t) => sections.has(t.sentence.sectionIndex))
        .sort(byStrength((t) => (taught.has(normalizeForCompare(t.term)) ? 2 : 0)));
      const count = Math.min(8, Math.max(3, module.lessons.length * 2));
      let questions = buildQuestions(document, candidates, pool, count, PLANS.medium);
      if (questions.length < Math.min(3, candidates.length))
        questions = buildQuestions(document, candidates, pool, count, { choices: 3, style: "mixed" });
      return { questions: questionsSchema.parse(questions), usage: ZERO_USAGE };
    },

    async answer({ question, passages }) {
      const citations = bestPassages(question, z.array(passageSchema).parse(passages), 3);
      if (citations.length === 0) {
        return { text: "The course material does not say anything about this question.", citations, usage: ZERO_USAGE };
      }
      const quotes = citations.map((c) => {
        const pages =
          c.pageStart === undefined
            ? ""
            : c.pageEnd && c.pageEnd !== c.pageStart
              ? `, pp. ${c.pageStart}–${c.pageEnd}`
              : `, p. ${c.pageStart}`;
        return `> ${c.quote}\n>\n> — *${c.title}*${pages}`;
      });
      return { text: ["From the course material:", ...quotes].join("\n\n"), citations, usage: ZERO_USAGE };
    },

    async generateQuestions(input) {
      const document = input.document ?? passagesDocument(z.array(passageSchema).parse(input.passages));
      const count = Math.max(1, Math.min(50, Math.floor(input.count)));
      const pool = documentTerms(document);
      let candidates = [...pool].sort(byStrength());
      const topic = input.topic?.trim();
      if (topic) {
        // Sections that mention the topic, then the terms whose own sentence does, most relevant first.
        const sections = teachableSections(document);
        const sectionScores = bm25(
          topic,
          sections.map((s) => `${s.title} ${s.section.text}`),
        );
        const relevant = new Set(sections.filter((_, i) => (sectionScores[i] ?? 0) > 0).map((s) => s.section.index));
        candidates = candidates.filter((t) => relevant.has(t.sentence.sectionIndex));
        const termScores = bm25(
          topic,
          candidates.map((t) => `${t.term} ${t.passage}`),
        );
        const relevance = new Map(candidates.map((t, i) => [t, termScores[i] ?? 0]));
        candidates.sort((a, b) => (relevance.get(b) ?? 0) - (relevance.get(a) ?? 0));
      }
      const questions: GeneratedQuestion[] = buildQuestions(document, candidates, pool, count, PLANS[input.difficulty]);
      return { questions: questionsSchema.parse(questions), usage: ZERO_USAGE };
    },

    async report(input) {
      return { report: sessionReportContentSchema.parse(extractiveReport(reportInputSchema.parse(input))), usage: ZERO_USAGE };
    },
  };
}
