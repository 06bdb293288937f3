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
export { ZERO_USAGE, addUsage, citationSchema, passageSchema } from "./provider.ts";
export { llmConfigSchema, loadLlmConfig, type LlmConfig } from "./config.ts";
export {
  LlmError,
  LlmPermanentError,
  LlmRateLimitedError,
  LlmUnavailableError,
  isTransientLlmError,
  type LlmPermanentReason,
} from "./errors.ts";
export { createProvider } from "./create-provider.ts";
export { sectionPassages, topPassages, type SectionText } from "./course-passages.ts";
export { createExtractiveProvider } from "./extractive.ts";
export { createOpenAiProvider } from "./openai-provider.ts";
export { promptTokens, type ChatDeps, type MeteredRequest, type RequestMeter, type RequestPermit } from "./chat-json.ts";
