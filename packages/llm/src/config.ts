/**
 * The LLM settings, validated from the worker's variables and secrets. This
 * lives here rather than in core's config because only the generators and
 * the tutor read it.
 */
import { z } from "zod";
import { DEFAULT_INPUT_CHARS } from "@studyhall/core";

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);

export const llmConfigSchema = z.object({
  /** `auto` picks `openai` when keys are set, else `extractive`. */
  LLM_PROVIDER: z.enum(["auto", "openai", "extractive"]).default("auto"),
  /** Any OpenAI-compatible endpoint (OpenAI, a gateway, vLLM, Ollama, llama.cpp). */
  LLM_BASE_URL: z.url().default("https://api.openai.com/v1"),
  LLM_MODEL: z.string().trim().min(1).default("gpt-4o-mini"),
  /** Comma-separated; a 429 on one key moves on to the next. Secret. */
  LLM_API_KEYS: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((k) => k.trim())
        .filter((k) => k !== ""),
    ),
  /** Retries per call on 429, 5xx and connection errors. */
  LLM_MAX_RETRIES: int(3),
  /** Per request; a slow local model needs more than a hosted one. */
  LLM_TIMEOUT_MS: int(60_000, 1000),
  /** Characters of document text sent per call, so one call stays well inside the context window. */
  LLM_MAX_INPUT_CHARS: int(DEFAULT_INPUT_CHARS, 2000),
});

/** Parsed settings; `LLM_API_KEYS` is already a list. */
export type LlmConfig = z.infer<typeof llmConfigSchema>;

/**
 * Reads the LLM keys from a worker's env; empty strings count as unset, so a
 * blank variable in wrangler.toml falls back to the default.
 *
 * @example
 * const provider = createProvider(loadLlmConfig(env));
 */
export function loadLlmConfig(env: object): LlmConfig {
  const source: Record<string, unknown> = {};
  for (const key of Object.keys(llmConfigSchema.shape)) {
    const value = (env as Record<string, unknown>)[key];
    if (typeof value === "string" || typeof value === "number") source[key] = value === "" ? undefined : value;
  }
  return llmConfigSchema.parse(source);
}
