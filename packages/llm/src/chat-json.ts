/**
 * One JSON exchange with an OpenAI-compatible endpoint, made robust: the
 * SDK's own retries are off so this file owns the policy. A 401 or 403 takes
 * the key out of the rotation for every call (key-ring.ts) and moves on to
 * the next key at once; 429s rotate to the next key and honour
 * `retry-after-ms` / `retry-after` (capped); 5xx, 408, 409 and connection
 * errors back off and retry; other statuses fail permanently. Replies are
 * asked for as strict structured output (strict-schema.ts); an endpoint that
 * refuses it gets JSON mode with the schema in the prompt, remembered per
 * endpoint and model. A reply that fails validation gets exactly one repair
 * round. Every HTTP request carries a `max_tokens` and, when a meter is
 * given, goes through it first (a job's token reservation, the shared rate
 * limit) and reports its real usage to it afterwards: retries and repairs included.
 */

import { CHARS_PER_TOKEN } from "@studyhall/core";
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from "openai";
import type { z } from "zod";
import type { LlmConfig } from "./config.ts";
import { type LlmError, LlmPermanentError, LlmRateLimitedError, LlmUnavailableError } from "./errors.ts";
import { type KeyLedger, KeyRing, localKeyLedger } from "./key-ring.ts";
import { readReply } from "./llm-output.ts";
import { type ChatMessage, repairPrompt } from "./prompts.ts";
import { addUsage, type TokenUsage, ZERO_USAGE } from "./provider.ts";
import { jsonSchemaFormat, replyJsonSchema, withoutOptionalNulls } from "./strict-schema.ts";

/** One HTTP request about to be sent, as a meter sees it. */
export interface MeteredRequest {
  /** The prompt's tokens, estimated from its characters. */
  inputTokens: number;
  /** The most the method lets the model write. */
  maxTokens: number;
}

/** Leave to send one request: the `max_tokens` to ask for, and where its real usage goes once it is answered (or failed). */
export interface RequestPermit {
  maxTokens: number;
  settle(usage: TokenUsage): Promise<void>;
}

/**
 * What every HTTP request to the endpoint passes through. `begin` may wait,
 * lower `maxTokens`, or throw to stop the call; its errors, and `settle`'s,
 * reach the caller unchanged.
 */
export interface RequestMeter {
  begin(request: MeteredRequest): Promise<RequestPermit>;
}

/** What tests (and unusual deployments) swap: the transport and the clock. */
export interface ChatDeps {
  /** Passed to the SDK; tests answer here instead of the network. */
  fetch?: typeof fetch;
  /** How to wait between retries; tests record the waits instead. */
  sleep?: (ms: number) => Promise<void>;
  /** Longest wait honoured inside one call; a longer retry-after becomes `LlmRateLimitedError` for the queue to delay. */
  maxWaitMs?: number;
  /** Meters each request (a job's reservation and the shared LLM gate); without one, requests are only bounded by `maxTokens`. */
  meter?: RequestMeter;
  /** Where refused keys are shared between calls (the LLM gate); without one, each chat learns on its own. */
  keys?: KeyLedger;
}

/** What a reply must look like: a name for the endpoint (letters, digits, `_`, `-`) and the `max_tokens` bound. */
export interface ReplyBounds {
  maxTokens: number;
  name?: string;
}

/**
 * Endpoints and models (`base url model`) that refused structured output. Per isolate: a
 * fresh one pays the refusal once more, which is one cheap 400.
 */
const jsonModeOnly = new Set<string>();

/** A 400 that names the structured-output parameter: the endpoint or model does not support it. */
function refusesJsonSchema(cause: unknown): boolean {
  if (!(cause instanceof APIError) || cause.status !== 400) return false;
  return /response_format|json_schema/i.test(`${cause.message} ${String(cause.param ?? "")}`);
}

/** Prompt tokens as OpenAI's counting guide estimates them: about four characters a token, and a few per message. */
export function promptTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((n, m) => n + 4 + Math.ceil(m.content.length / CHARS_PER_TOKEN), 3);
}

const unmetered: RequestMeter = { begin: async ({ maxTokens }) => ({ maxTokens, settle: async () => {} }) };

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
 * const { value, usage } = await chat.complete(messages, lessonOutputSchema, { maxTokens: 2500 });
 */
export class JsonChat {
  private readonly config: LlmConfig;
  private readonly keys: KeyRing<OpenAI>;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxWaitMs: number;
  private readonly meter: RequestMeter;

  constructor(config: LlmConfig, deps: ChatDeps = {}) {
    this.config = config;
    if (config.LLM_API_KEYS.length === 0) throw new LlmPermanentError("misconfigured", "LLM_API_KEYS is empty");
    this.keys = new KeyRing(
      config.LLM_API_KEYS,
      (apiKey) =>
        new OpenAI({
          apiKey,
          baseURL: config.LLM_BASE_URL,
          timeout: config.LLM_TIMEOUT_MS,
          maxRetries: 0,
          ...(deps.fetch ? { fetch: deps.fetch } : {}),
        }),
      deps.keys ?? localKeyLedger,
    );
    this.sleep = deps.sleep ?? defaultSleep;
    this.maxWaitMs = deps.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    this.meter = deps.meter ?? unmetered;
  }

  /**
   * Asks, validates, repairs once; throws `LlmPermanentError("invalid-output")` after a failed repair.
   * `maxTokens` bounds every reply, the repair's too.
   */
  async complete<T>(messages: ChatMessage[], schema: z.ZodType<T>, bounds: ReplyBounds): Promise<{ value: T; usage: TokenUsage }> {
    const format = jsonSchemaFormat(bounds.name ?? "reply", schema);
    const written = replyJsonSchema(schema);
    const normalise = (json: unknown) => withoutOptionalNulls(json, written);
    const first = await this.send(messages, bounds.maxTokens, format);
    let usage = first.usage;
    const read = readReply(first.content, schema, normalise);
    if (read.ok) return { value: read.value, usage };

    const repair: ChatMessage[] = [
      ...messages,
      { role: "assistant", content: first.content },
      { role: "user", content: repairPrompt(read.problems) },
    ];
    const second = await this.send(repair, bounds.maxTokens, format, usage);
    usage = addUsage(usage, second.usage);
    const reread = readReply(second.content, schema, normalise);
    if (reread.ok) return { value: reread.value, usage };
    const error = new LlmPermanentError("invalid-output", `model output failed validation after one repair:\n${reread.problems}`);
    error.usage = usage;
    throw error;
  }

  /** One request with retries; returns the reply text and its usage. */
  private async send(
    messages: ChatMessage[],
    maxTokens: number,
    format: ReturnType<typeof jsonSchemaFormat>,
    spent: TokenUsage = ZERO_USAGE,
  ): Promise<{ content: string; usage: TokenUsage }> {
    const inputTokens = promptTokens(messages);
    const endpoint = `${this.config.LLM_BASE_URL} ${this.config.LLM_MODEL}`;
    let rotationsWithoutWait = 0;
    let attempt = 0;
    for (;;) {
      const key = await this.keys.current().catch((error: unknown) => {
        if (error instanceof LlmPermanentError) error.usage = spent;
        throw error;
      });
      const structured = !jsonModeOnly.has(endpoint);
      // Every attempt is a request the endpoint sees, so each one is metered on its own.
      const permit = await this.meter.begin({ inputTokens, maxTokens });
      let response: OpenAI.Chat.Completions.ChatCompletion;
      try {
        response = await key.client.chat.completions.create({
          model: this.config.LLM_MODEL,
          messages,
          response_format: structured ? format : { type: "json_object" },
          temperature: 0.2,
          max_tokens: permit.maxTokens,
          stream: false,
        });
      } catch (cause) {
        // A failed request reports no usage; the meter still counts it.
        await permit.settle(ZERO_USAGE);
        // Neither a refused key nor a refused format says anything about the endpoint's health: no wait, no attempt used.
        if (cause instanceof APIError && (cause.status === 401 || cause.status === 403)) {
          await this.keys.refuse(key.index, cause.status);
          continue;
        }
        if (structured && refusesJsonSchema(cause)) {
          jsonModeOnly.add(endpoint);
          continue;
        }
        const failure = this.classify(cause);
        failure.usage = spent;
        if (!failure.transient || attempt >= this.config.LLM_MAX_RETRIES) throw failure;
        const asked = cause instanceof APIError ? retryAfterMs(cause.headers) : undefined;
        if (failure instanceof LlmRateLimitedError) {
          this.keys.rotate();
          // A long retry-after is worth skipping only if another key has not been tried yet.
          if (asked !== undefined && asked > this.maxWaitMs) {
            attempt++;
            if (++rotationsWithoutWait < this.keys.usable) continue;
            throw failure;
          }
        }
        await this.sleep(Math.min(this.maxWaitMs, asked ?? BASE_BACKOFF_MS * 2 ** attempt));
        attempt++;
        continue;
      }
      const usage = usageOf(response.usage);
      await permit.settle(usage);
      return { content: response.choices[0]?.message?.content ?? "", usage };
    }
  }

  /** Maps an SDK error to our transient/permanent split. */
  private classify(cause: unknown): LlmError {
    if (cause instanceof APIUserAbortError) return new LlmUnavailableError("request aborted", undefined, { cause });
    if (cause instanceof APIConnectionError)
      return new LlmUnavailableError(`cannot reach the LLM endpoint: ${cause.message}`, undefined, { cause });
    if (!(cause instanceof APIError)) return new LlmUnavailableError(`LLM request failed: ${String(cause)}`, undefined, { cause });
    const status = cause.status ?? 0;
    if (status === 429) return new LlmRateLimitedError(retryAfterMs(cause.headers) ?? BASE_BACKOFF_MS, { cause });
    if (status >= 500 || status === 408 || status === 409)
      return new LlmUnavailableError(`LLM endpoint answered ${status}`, status, { cause });
    return new LlmPermanentError("rejected", `LLM endpoint rejected the request (${status}): ${cause.message}`, { cause });
  }
}
