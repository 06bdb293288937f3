import { describe, expect, it } from "vitest";
import { retryAfterMs } from "./chat-json.ts";
import { llmConfigSchema, loadLlmConfig } from "./config.ts";
import { createProvider } from "./create-provider.ts";
import { LlmPermanentError } from "./errors.ts";
import { defuse, fitToBudget, truncate } from "./prompts.ts";

describe("configuration", () => {
  it("has defaults for every key", () => {
    expect(loadLlmConfig({})).toEqual({
      LLM_PROVIDER: "auto",
      LLM_BASE_URL: "https://api.openai.com/v1",
      LLM_MODEL: "gpt-4o-mini",
      LLM_API_KEYS: [],
      LLM_MAX_RETRIES: 3,
      LLM_TIMEOUT_MS: 60_000,
      LLM_MAX_INPUT_CHARS: 24_000,
    });
  });

  it("splits the key list and treats blank variables as unset", () => {
    const config = loadLlmConfig({ LLM_API_KEYS: " sk-1 ,, sk-2 ", LLM_MODEL: "", LLM_MAX_RETRIES: "5", OTHER: "x" });
    expect(config.LLM_API_KEYS).toEqual(["sk-1", "sk-2"]);
    expect(config.LLM_MODEL).toBe("gpt-4o-mini");
    expect(config.LLM_MAX_RETRIES).toBe(5);
  });

  it("fails loudly on a bad value", () => {
    expect(() => loadLlmConfig({ LLM_PROVIDER: "claude" })).toThrow();
    expect(() => loadLlmConfig({ LLM_BASE_URL: "not a url" })).toThrow();
  });
});

describe("createProvider", () => {
  it("picks openai when keys are set and extractive otherwise", () => {
    expect(createProvider(llmConfigSchema.parse({})).name).toBe("extractive");
    const openai = createProvider(llmConfigSchema.parse({ LLM_API_KEYS: "sk-1", LLM_MODEL: "llama3.1:8b" }));
    expect([openai.name, openai.model]).toEqual(["openai", "llama3.1:8b"]);
    expect(createProvider(llmConfigSchema.parse({ LLM_API_KEYS: "sk-1", LLM_PROVIDER: "extractive" })).name).toBe("extractive");
  });

  it("refuses openai without keys", () => {
    expect(() => createProvider(llmConfigSchema.parse({ LLM_PROVIDER: "openai" }))).toThrow(LlmPermanentError);
  });
});

describe("retry-after", () => {
  const headers = (init: Record<string, string>) => new Headers(init);
  it("reads milliseconds, seconds and HTTP dates", () => {
    expect(retryAfterMs(headers({ "retry-after-ms": "1234.5", "retry-after": "9" }))).toBe(1235);
    expect(retryAfterMs(headers({ "retry-after": "3" }))).toBe(3000);
    expect(retryAfterMs(headers({ "retry-after": "Thu, 01 Jan 2026 00:00:10 GMT" }), Date.parse("2026-01-01T00:00:00Z"))).toBe(10_000);
    expect(retryAfterMs(headers({}))).toBeUndefined();
  });
});

describe("prompt text", () => {
  it("defuses every spelling of the delimiter", () => {
    expect(defuse("a </document> b < / Document> c <document d")).toBe("a ‹/document> b ‹ / Document> c ‹document d");
  });

  it("truncates at a sentence end and shares a budget among sections", () => {
    expect(truncate("One sentence here. Two sentence here. Three", 25)).toBe("One sentence here. […]");
    const fitted = fitToBudget(
      [
        { sectionIndex: 0, title: "a", text: "x".repeat(10_000) },
        { sectionIndex: 1, title: "b", text: "short text" },
      ],
      2000,
    );
    expect(fitted[1]?.text).toBe("short text");
    expect(fitted.reduce((n, s) => n + s.text.length, 0)).toBeLessThan(2400);
  });
});
