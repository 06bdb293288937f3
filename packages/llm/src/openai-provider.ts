/**
 * The provider backed by a model on any OpenAI-compatible endpoint. Each
 * stage sends a short instruction, the JSON Schema of the expected reply (in
 * the prompt, and as strict structured output where the endpoint takes it) and
 * a bounded, delimited slice of the document; replies are validated with zod
 * (see chat-json.ts for retries, key rotation and the repair round).
 */
import { type GeneratedQuestion, outputTokenBound, type ParsedDocument } from "@studyhall/core";
import { type ChatDeps, JsonChat } from "./chat-json.ts";
import type { LlmConfig } from "./config.ts";
import { teachableSections } from "./document-sections.ts";
import { LlmPermanentError } from "./errors.ts";
import { outlineLesson } from "./extractive-lesson.ts";
import { answerOutputFor, lessonOutputSchema, outlineOutputSchema, questionsOutputSchema, schemaForPrompt } from "./llm-output.ts";
import { bm25 } from "./passage-search.ts";
import { defuse, documentBlock, documentSources, messages, passageSources, truncate } from "./prompts.ts";
import { type Citation, type Difficulty, type LlmProvider, passageSchema, reportInputSchema } from "./provider.ts";
import { REPORT_TASK, reportFromOutput, reportOutputFor, transcriptBlock } from "./report-prompt.ts";

const DIFFICULTY: Record<Difficulty, string> = {
  easy: "easy: recall of definitions and facts stated plainly in the text, 3 or 4 choices",
  medium: "medium: understanding of how ideas in the text relate, 4 choices",
  hard: "hard: applying or contrasting ideas from the text, 4 or 5 close choices",
};
const QUESTION_RULES =
  "Each question has one correct choice (answer is its 0-based index), plausible wrong choices taken from the same document, an explanation, and a sourcePassage copied word for word from the document that proves the answer.";

/** Untrusted text (titles, outline entries) quoted into a prompt. */
const quote = (text: string) => JSON.stringify(defuse(text));

/** Section indexes of a module's lessons. */
function moduleSections(document: ParsedDocument, indexes: readonly number[]): Set<number> {
  return new Set(indexes.filter((i) => document.sections.some((s) => s.index === i)));
}

/**
 * The openai provider.
 *
 * @example
 * const provider = createOpenAiProvider(loadLlmConfig(env));
 * const { lesson, usage } = await provider.lesson({ document, outline, moduleIndex: 0, lessonIndex: 0 });
 */
export function createOpenAiProvider(config: LlmConfig, deps: ChatDeps = {}): LlmProvider {
  const chat = new JsonChat(config, deps);
  const budget = config.LLM_MAX_INPUT_CHARS;

  return {
    name: "openai",
    model: config.LLM_MODEL,

    async outline({ document, title, audience, moduleCount }) {
      const sources = documentSources(document);
      if (sources.length === 0) throw new LlmPermanentError("no-teachable-text", "the document holds no text to build a course from");
      const schema = outlineOutputSchema(new Set(sources.map((s) => s.sectionIndex)), moduleCount);
      const task = [
        "Plan a course from this document: a title, a two-sentence description, and modules of lessons in a sensible teaching order.",
        moduleCount ? `Use exactly ${moduleCount} modules.` : "Follow the document's own structure; use 2 to 8 modules.",
        "Every lesson lists the sectionIndexes it will be taught from.",
        title ? `Course title: ${quote(title)}.` : "",
        audience ? `The course is for ${quote(audience)}.` : "",
      ].filter(Boolean);
      const { value, usage } = await chat.complete(
        messages(schemaForPrompt(schema), task.join(" "), documentBlock(document.title, sources, budget)),
        schema,
        {
          maxTokens: outputTokenBound("outline"),
          name: "course_outline",
        },
      );
      return { outline: title ? { ...value, title: title.slice(0, 200) } : value, usage };
    },

    async lesson({ document, outline, moduleIndex, lessonIndex }) {
      const { module, lesson } = outlineLesson(outline, moduleIndex, lessonIndex);
      const only = moduleSections(document, lesson.sectionIndexes);
      const task = [
        `Write the lesson ${quote(lesson.title)} of the module ${quote(module.title)} in the course ${quote(outline.title)}.`,
        "bodyMd is Markdown for students: a short introduction, the main ideas explained in order, and examples taken from the document. keyTerms are the lesson's important terms, each defined as the document defines it.",
      ].join(" ");
      const { value, usage } = await chat.complete(
        messages(schemaForPrompt(lessonOutputSchema), task, documentBlock(document.title, documentSources(document, only), budget)),
        lessonOutputSchema,
        { maxTokens: outputTokenBound("lesson"), name: "lesson" },
      );
      // Sources are ours to state: the sections the outline assigned, with their pages.
      const sources = document.sections
        .filter((s) => only.has(s.index))
        .map((s) => ({ sectionIndex: s.index, pageStart: s.pageStart, pageEnd: s.pageEnd }));
      return { lesson: { ...value, sources }, usage };
    },

    async quiz({ document, outline, moduleIndex, lessons }) {
      const module = outline.modules[moduleIndex];
      if (!module) throw new LlmPermanentError("bad-input", `outline has no module ${moduleIndex}`);
      const only = moduleSections(
        document,
        module.lessons.flatMap((l) => l.sectionIndexes),
      );
      const count = Math.min(8, Math.max(3, module.lessons.length * 2));
      const taught = lessons
        .map((l) => `- ${quote(l.title)}: key terms ${l.keyTerms.map((k) => quote(k.term)).join(", ") || "none"}`)
        .join("\n");
      const task = [
        `Write ${count} single-choice quiz questions for the module ${quote(module.title)} of the course ${quote(outline.title)}.`,
        `Its lessons taught:\n${truncate(taught, 2000)}`,
        QUESTION_RULES,
      ].join("\n");
      const { value, usage } = await chat.complete(
        messages(schemaForPrompt(questionsOutputSchema), task, documentBlock(document.title, documentSources(document, only), budget)),
        questionsOutputSchema,
        { maxTokens: outputTokenBound("quiz"), name: "quiz_questions" },
      );
      return { questions: value.questions.slice(0, count).map((q): GeneratedQuestion => ({ kind: "single-choice", ...q })), usage };
    },

    async answer({ question, passages }) {
      const given = passageSchema.array().parse(passages);
      const schema = answerOutputFor(new Set(given.map((p) => p.sectionIndex)));
      const task = `Answer the student's question ${quote(question)} from the passages below only, in a few sentences of Markdown. If they do not answer it, say so. Cite each passage you use with its section number and the exact words you rely on.`;
      const { value, usage } = await chat.complete(
        messages(schemaForPrompt(schema), task, documentBlock(null, passageSources(given), budget)),
        schema,
        {
          maxTokens: outputTokenBound("answer"),
          name: "tutor_answer",
        },
      );
      const citations = value.citations.flatMap((c): Citation[] => {
        const passage = given.find((p) => p.sectionIndex === c.sectionIndex);
        return passage
          ? [{ sectionIndex: c.sectionIndex, title: passage.title, pageStart: passage.pageStart, pageEnd: passage.pageEnd, quote: c.quote }]
          : [];
      });
      return { text: value.text, citations, usage };
    },

    async generateQuestions(input) {
      const count = Math.max(1, Math.min(50, Math.floor(input.count)));
      let sources = input.document ? documentSources(input.document) : passageSources(passageSchema.array().parse(input.passages));
      const topic = input.topic?.trim();
      if (topic && input.document) {
        // Send the sections about the topic, not the whole document.
        const sections = teachableSections(input.document);
        const scores = bm25(
          topic,
          sections.map((s) => `${s.title} ${s.section.text}`),
        );
        const relevant = new Set(sections.filter((_, i) => (scores[i] ?? 0) > 0).map((s) => s.section.index));
        if (relevant.size > 0) sources = sources.filter((s) => relevant.has(s.sectionIndex));
      }
      const task = [
        `Write ${count} single-choice practice questions${topic ? ` about ${quote(topic)}` : ""}.`,
        `Difficulty ${DIFFICULTY[input.difficulty]}.`,
        QUESTION_RULES,
      ].join(" ");
      const { value, usage } = await chat.complete(
        messages(schemaForPrompt(questionsOutputSchema), task, documentBlock(input.document?.title ?? null, sources, budget)),
        questionsOutputSchema,
        { maxTokens: outputTokenBound("generateQuestions", count), name: "practice_questions" },
      );
      return { questions: value.questions.slice(0, count).map((q): GeneratedQuestion => ({ kind: "single-choice", ...q })), usage };
    },

    async report(input) {
      const given = reportInputSchema.parse(input);
      const schema = reportOutputFor(given);
      const { value, usage } = await chat.complete(messages(schemaForPrompt(schema), REPORT_TASK, transcriptBlock(given, budget)), schema, {
        maxTokens: outputTokenBound("report"),
        name: "session_report",
      });
      return { report: reportFromOutput(value, given.lessons), usage };
    },
  };
}
