/**
 * @studyhall/llm: course generation behind one interface. `createProvider`
 * picks the openai provider (any OpenAI-compatible endpoint) when keys are
 * configured and the extractive one (offline, deterministic) otherwise.
 *
 * @example
 * import { createProvider, loadLlmConfig, isTransientLlmError } from "@studyhall/llm";
 * const provider = createProvider(loadLlmConfig(env));
 * const { outline, usage } = await provider.outline({ document, moduleCount: 4 });
 */

export { type ChatDeps, type MeteredRequest, promptTokens, type RequestMeter, type RequestPermit } from "./chat-json.ts";
export { type LlmConfig, llmConfigSchema, loadLlmConfig } from "./config.ts";
export { type SectionText, sectionPassages, topPassages } from "./course-passages.ts";
export { createProvider } from "./create-provider.ts";
export {
  isTransientLlmError,
  LlmError,
  LlmPermanentError,
  type LlmPermanentReason,
  LlmRateLimitedError,
  LlmUnavailableError,
} from "./errors.ts";
export { createExtractiveProvider } from "./extractive.ts";
export { type KeyLedger, keyFingerprint } from "./key-ring.ts";
export { createOpenAiProvider } from "./openai-provider.ts";
export type {
  AnswerInput,
  Citation,
  Difficulty,
  GenerateQuestionsInput,
  LessonInput,
  LlmProvider,
  OutlineInput,
  Passage,
  QuestionSource,
  QuizInput,
  ReportInput,
  ReportLesson,
  TokenUsage,
  TranscriptLine,
} from "./provider.ts";
export { addUsage, citationSchema, passageSchema, ZERO_USAGE } from "./provider.ts";
