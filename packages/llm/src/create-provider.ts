/**
 * Picks the provider from configuration, in one place, so workers never
 * choose by hand: `auto` means openai when keys are set, else extractive.
 */
import type { ChatDeps } from "./chat-json.ts";
import type { LlmConfig } from "./config.ts";
import { LlmPermanentError } from "./errors.ts";
import { createExtractiveProvider } from "./extractive.ts";
import { createOpenAiProvider } from "./openai-provider.ts";
import type { LlmProvider } from "./provider.ts";

/**
 * The provider the configuration asks for.
 *
 * @example
 * const provider = createProvider(loadLlmConfig(env));
 * provider.name // "extractive" when LLM_API_KEYS is unset
 */
export function createProvider(config: LlmConfig, deps: ChatDeps = {}): LlmProvider {
  const kind = config.LLM_PROVIDER === "auto" ? (config.LLM_API_KEYS.length > 0 ? "openai" : "extractive") : config.LLM_PROVIDER;
  if (kind === "extractive") return createExtractiveProvider();
  if (config.LLM_API_KEYS.length === 0) throw new LlmPermanentError("misconfigured", "LLM_PROVIDER is openai but LLM_API_KEYS is empty");
  return createOpenAiProvider(config, deps);
}
