/**
 * One JSON exchange with an OpenAI-compatible endpoint, made robust: the
 * SDK's own retries are off so this file owns the policy. 429s rotate to
 * the next key and honour `retry-after-ms` / `retry-after` (capped); 5xx,
 * 408, 409 and connection errors back off and retry; other statuses fail
 * permanently. A reply that fails validation gets exactly one repair round.
 */
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from "openai";
import type { z } from "zod";
import type { LlmConfig } from "./config.ts";
import { LlmError, LlmPermanentError, LlmRateLimitedError, LlmUnavailableError } from "./errors.ts";
import { readReply } from "./llm-output.ts";
import { repairPrompt, type ChatMessage } from "./prompts.ts";
import { ZERO_USAGE, addUsage, type TokenUsage } from "./provider.ts";

/** What tests (and unusual deployments) swap: the transport and the clock. */
export interface ChatDeps {
  /** Passed to the SDK; tests answer here instead of the network. */
  fetch?: typeof fetch;
  /** How to wait between retries; tests record the waits instead. */
  sleep?: (ms: number) => Promise<void>;
  /** Longest wait honoured inside one call; a longer retry-after becomes `LlmRateLimitedError` for the queue to delay. */
  maxWaitMs?: number;
}

const BASE_BACKOFF_MS = 500;
const DEFAULT_MAX_WAIT_MS = 20_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `retry-after-ms` (non-standard, precise) first, then `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(headers?.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const value = headers?.get("retry-after");
  if (!value) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function usageOf(usage: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | null | undefined): TokenUsage {
  const promptTokens = usage?.prompt_tokens ?? 0;
  const completionTokens = usage?.completion_tokens ?? 0;
  return { promptTokens, completionTokens, totalTokens: usage?.total_tokens ?? promptTokens + completionTokens };
}

/**
 * Sends chat requests for JSON replies and validates them.
 *
 * @example
 * const chat = new JsonChat(config, { fetch: fakeFetch, sleep: async () => {} });
 * const { value, usage } = await chat.complete(messages, lessonOutputSchema);
 */
export class JsonChat {
  private readonly config: LlmConfig;
  private readonly clients: OpenAI[];
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxWaitMs: number;
  /** The key in use; it stays on the last one that worked, across calls. */
  private current = 0;

  constructor(config: LlmConfig, deps: ChatDeps = {}) {
    this.config = config;
    if (config.LLM_API_KEYS.length === 0) throw new LlmPermanentError("misconfigured", "LLM_API_KEYS is empty");
    this.clients = config.LLM_API_KEYS.map(
      (apiKey) =>
        new OpenAI({
          apiKey,
          baseURL: config.LLM_BASE_URL,
          timeout: config.LLM_TIMEOUT_MS,
          maxRetries: 0,
          ...(deps.fetch ? { fetch: deps.fetch } : {}),
        }),
    );
    this.sleep = deps.sleep ?? defaultSleep;
    this.maxWaitMs = deps.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  }

  /** Asks, validates, repairs once; throws `LlmPermanentError("invalid-output")` after a failed repair. */
  async complete<T>(messages: ChatMessage[], schema: z.ZodType<T>): Promise<{ value: T; usage: TokenUsage }> {
    const first = await this.send(messages);
    let usage = first.usage;
    const read = readReply(first.content, schema);
    if (read.ok) return { value: read.value, usage };

    const repair: ChatMessage[] = [...messages, { role: "assistant", content: first.content }, { role: "user", content: repairPrompt(read.problems) }];
    const second = await this.send(repair, usage);
    usage = addUsage(usage, second.usage);
    const reread = readReply(second.content, schema);
    if (reread.ok) return { value: reread.value, usage };
    const error = new LlmPermanentError("invalid-output", `model output failed validation after one repair:\n${reread.problems}`);
    error.usage = usage;
    throw error;
  }

  /** One request with retries; returns the reply text and its usage. */
  private async send(messages: ChatMessage[], spent: TokenUsage = ZERO_USAGE): Promise<{ content: string; usage: TokenUsage }> {
    const keys = this.clients.length;
    let rotationsWithoutWait = 0;
    for (let attempt = 0; ; attempt++) {
      const client = this.clients[this.current];
      if (!client) throw new LlmPermanentError("misconfigured", "no API key available");
      try {
        const response = await client.chat.completions.create({
          model: this.config.LLM_MODEL,
          messages,
          response_format: { type: "json_object" },
          temperature: 0.2,
        });
        return { content: response.choices[0]?.message?.content ?? "", usage: usageOf(response.usage) };
      } catch (cause) {
        const failure = this.classify(cause);
        failure.usage = spent;
        if (!failure.transient || attempt >= this.config.LLM_MAX_RETRIES) throw failure;
        const asked = cause instanceof APIError ? retryAfterMs(cause.headers) : undefined;
        if (failure instanceof LlmRateLimitedError) {
          this.current = (this.current + 1) % keys;
          // A long retry-after is worth skipping only if another key has not been tried yet.
          if (asked !== undefined && asked > this.maxWaitMs) {
            if (++rotationsWithoutWait < keys) continue;
            throw failure;
          }
        }
        await this.sleep(Math.min(this.maxWaitMs, asked ?? BASE_BACKOFF_MS * 2 ** attempt));
      }
    }
  }

  /** Maps an SDK error to our transient/permanent split. */
  private classify(cause: unknown): LlmError {
    if (cause instanceof APIUserAbortError) return new LlmUnavailableError("request aborted", undefined, { cause });
    if (cause instanceof APIConnectionError) return new LlmUnavailableError(`cannot reach the LLM endpoint: ${cause.message}`, undefined, { cause });
    if (!(cause instanceof APIError)) return new LlmUnavailableError(`LLM request failed: ${String(cause)}`, undefined, { cause });
    const status = cause.status ?? 0;
    if (status === 429) return new LlmRateLimitedError(retryAfterMs(cause.headers) ?? BASE_BACKOFF_MS, { cause });
    if (status >= 500 || status === 408 || status === 409) return new LlmUnavailableError(`LLM endpoint answered ${status}`, status, { cause });
    if (status === 401 || status === 403) return new LlmPermanentError("unauthorized", `LLM endpoint refused the key (${status})`, { cause });
    return new LlmPermanentError("rejected", `LLM endpoint rejected the request (${status}): ${cause.message}`, { cause });
  }
}
