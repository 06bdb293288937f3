/**
 * The jobs worker pointed at the fake OpenAI-compatible endpoint the vitest
 * config serves (test/fake-llm-endpoint.ts): a copy of the bindings with the
 * openai provider configured, a run of its own, and what the endpoint saw.
 * The shared gate's limits are set far above what a test makes, so only the
 * test that means to fill the gate ever waits at it.
 */
import { env } from "cloudflare:test";
import type { FakeLlmRequest } from "../../../test/fake-llm-endpoint.ts";
import { withBindings } from "../../../test/helpers/with-bindings.ts";

export type FakeLlmMode = "ok" | "flaky" | "no-json-schema" | "hang" | `fail-after-${number}` | `usage-${number}` | `revoked-${string}`;

export interface FakeModel {
  env: JobsEnv;
  /** Every request the endpoint received for this run, in order. */
  requests(): Promise<FakeLlmRequest[]>;
}

export function fakeModel(mode: FakeLlmMode = "ok", vars: Record<string, string> = {}): FakeModel {
  const run = crypto.randomUUID();
  const remote = withBindings(env as unknown as JobsEnv, {
    LLM_PROVIDER: "openai",
    LLM_API_KEYS: "key-test",
    LLM_BASE_URL: `https://fake-llm.test/${run}/${mode}/v1`,
    LLM_MODEL: "test-model",
    LLM_REQUESTS_PER_MIN: "10000",
    LLM_TOKENS_PER_MIN: "1000000000",
    ...vars,
  });
  return {
    env: remote,
    requests: async () => (await (await fetch(`https://fake-llm.test/${run}/requests`)).json()) as FakeLlmRequest[],
  };
}
