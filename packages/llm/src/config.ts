/**
 * The LLM settings, validated from the worker's variables and secrets. This
 * lives here rather than in core's config because only the generators and
 * the tutor read it. Like core's config it imports nothing a plain Node
 * script could not load, so `npm run dev` checks it before starting.
 */

import { LLM_DEFAULT_INPUT_CHARS, readSettings } from "@studyhall/core/settings";
import { z } from "zod";

/** A queue consumer runs for at most 15 minutes of wall time; one request cannot be allowed longer. */
export const LLM_MAX_TIMEOUT_MS = 15 * 60_000;

const int = (fallback: number, min: number, max: number, why?: string) =>
  z.coerce
    .number()
    .int()
    .min(min)
    .max(max)
    .default(fallback)
    .describe(`an integer from ${min} to ${max}${why ? ` (${why})` : ""}`);

export const llmConfigSchema = z.object({
  /** `auto` picks `openai` when keys are set, else `extractive`. */
  LLM_PROVIDER: z.enum(["auto", "openai", "extractive"]).default("auto").describe("auto, openai or extractive"),
  /** Any OpenAI-compatible endpoint (OpenAI, a gateway, vLLM, Ollama, llama.cpp). */
  LLM_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .default("https://api.openai.com/v1")
    .describe("an http(s) URL"),
  LLM_MODEL: z.string().trim().min(1).max(200).default("gpt-4o-mini").describe("1 to 200 characters"),
  /** Comma-separated; a 429 on one key moves on to the next. Secret. */
  LLM_API_KEYS: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((k) => k.trim())
        .filter((k) => k !== ""),
    )
    .pipe(z.array(z.string().max(1000)).max(100))
    .describe("a comma-separated list of at most 100 keys"),
  /** Retries per call on 429, 5xx and connection errors. */
  LLM_MAX_RETRIES: int(3, 0, 10),
  /** Per request; a slow local model needs more than a hosted one. */
  LLM_TIMEOUT_MS: int(60_000, 1000, LLM_MAX_TIMEOUT_MS, "a queue consumer's wall-time limit"),
  /** Characters of document text sent per call, so one call stays well inside the context window. */
  LLM_MAX_INPUT_CHARS: int(LLM_DEFAULT_INPUT_CHARS, 2000, 1_000_000),
});

/** Parsed settings; `LLM_API_KEYS` is already a list. */
export type LlmConfig = z.infer<typeof llmConfigSchema>;

/**
 * Reads the LLM settings from a worker's env; empty strings count as unset, so a
 * blank variable in wrangler.toml falls back to the default.
 * @throws ConfigError naming every variable out of its bound.
 *
 * @example
 * const provider = createProvider(loadLlmConfig(env));
 */
export function loadLlmConfig(env: object): LlmConfig {
  return readSettings(llmConfigSchema, env);
}
