/**
 * How many LLM tokens each kind of work sets aside before it is accepted,
 * and the most one request may ask the model to write (`max_tokens`). In one
 * place, so the API (which reserves) and the jobs worker (which spends and
 * sends the bounds) agree.
 *
 * How they were chosen. A request costs its prompt plus at most its
 * `max_tokens`. A prompt is about four characters a token (OpenAI's counting
 * guide) plus the fixed instructions and the JSON Schema of the reply, which
 * measure 500–800 tokens; the document text in one prompt is cut to
 * LLM_MAX_INPUT_CHARS (24,000 by default). The output bounds sit above the
 * longest replies the openai provider's prompts produce: an outline of
 * 8 modules of lessons ≈1,500 tokens, a lesson of ~1,000 words ≈1,600, a
 * module quiz of 8 questions ≈2,000, a tutor answer of a few sentences with
 * citations ≈500, a report ≈1,500, a practice question ≈200. An estimate is
 * then every request the work is expected to make, each at its bound: what
 * the work costs if every reply is as long as allowed. It is not a ceiling: a
 * job that needs more extends its reservation against the quota before each
 * request, and fails with `quota-exceeded` when the quota cannot cover it.
 */
import { LLM_DEFAULT_INPUT_CHARS } from "./settings.ts";

/** The methods a job calls on a provider. */
export type LlmMethod = "outline" | "lesson" | "quiz" | "answer" | "generateQuestions" | "report";

export const CHARS_PER_TOKEN = 4;
/** Instructions, the reply's JSON Schema and message framing, per request. */
export const PROMPT_OVERHEAD_TOKENS = 800;
/** Document characters per request: the jobs worker's `LLM_MAX_INPUT_CHARS` default (kept in settings.ts, which plain Node loads). */
export const DEFAULT_INPUT_CHARS = LLM_DEFAULT_INPUT_CHARS;

/** `max_tokens` per method (practice questions: a base plus so much per question asked). */
export const OUTPUT_TOKEN_BOUNDS = {
  outline: 3000,
  lesson: 2500,
  quiz: 3000,
  answer: 1000,
  report: 2500,
  questionsBase: 300,
  perQuestion: 250,
} as const;

/** A course's expected shape when the request does not fix it: the provider picks 2 to 8 modules, about 3 lessons each. */
const DEFAULT_MODULES = 4;
const LESSONS_PER_MODULE = 3;
/** Tutor prompts carry six passages of at most ~1,500 characters, plus a question of up to 4,000. */
const TUTOR_INPUT_CHARS = 6 * 1500 + 4000;

/** Tokens of a prompt carrying `chars` characters of text. */
export function inputTokens(chars: number): number {
  return Math.ceil(Math.max(0, chars) / CHARS_PER_TOKEN) + PROMPT_OVERHEAD_TOKENS;
}

/** The `max_tokens` a method's request may ask for. */
export function outputTokenBound(method: LlmMethod, questionCount = 1): number {
  if (method === "generateQuestions")
    return OUTPUT_TOKEN_BOUNDS.questionsBase + OUTPUT_TOKEN_BOUNDS.perQuestion * Math.max(1, Math.min(50, questionCount));
  return OUTPUT_TOKEN_BOUNDS[method];
}

/** What is known about the work when it is accepted. */
export type WorkEstimate =
  /** `textChars`: the parsed text, or before parsing the file's size (PDF text is rarely longer than its file). */
  | { kind: "generate-course"; textChars: number; moduleCount?: number | null }
  | { kind: "regenerate-lesson" }
  | { kind: "generate-questions"; count: number }
  | { kind: "tutor-answer" }
  | { kind: "session-report" };

/**
 * Tokens to reserve for a piece of work.
 *
 * @example
 * estimateTokens({ kind: "generate-course", textChars: 60_000, moduleCount: 2 }) // 9 requests at their bounds
 */
export function estimateTokens(work: WorkEstimate, maxInputChars = DEFAULT_INPUT_CHARS): number {
  const capped = (chars: number) => inputTokens(Math.min(chars, maxInputChars));
  switch (work.kind) {
    case "generate-course": {
      const modules = work.moduleCount ?? DEFAULT_MODULES;
      const lessons = modules * LESSONS_PER_MODULE;
      // The outline reads the whole document; a lesson or a quiz reads its module's sections.
      const moduleInput = capped(work.textChars / modules);
      return (
        capped(work.textChars) +
        OUTPUT_TOKEN_BOUNDS.outline +
        lessons * (moduleInput + OUTPUT_TOKEN_BOUNDS.lesson) +
        modules * (moduleInput + OUTPUT_TOKEN_BOUNDS.quiz)
      );
    }
    case "regenerate-lesson":
      return capped(maxInputChars) + OUTPUT_TOKEN_BOUNDS.lesson;
    case "generate-questions":
      return capped(maxInputChars) + outputTokenBound("generateQuestions", work.count);
    case "tutor-answer":
      return capped(TUTOR_INPUT_CHARS) + OUTPUT_TOKEN_BOUNDS.answer;
    case "session-report":
      return capped(maxInputChars) + OUTPUT_TOKEN_BOUNDS.report;
  }
}
