/**
 * Configuration is validated once and consistently: a variable out of bounds
 * stops the deployment with a 503 that names nothing (the log names the
 * variable), and every value the schema lets through is one the components
 * that use it really accept.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import {
  ConfigError,
  configSchema,
  LLM_GATE_MAX_REQUESTS_PER_MIN,
  LLM_GATE_MAX_TOKENS_PER_MIN,
  loadConfig,
  RATE_LIMITER_MAX_LIMIT,
} from "@studyhall/core";
import { llmConfigSchema } from "@studyhall/llm";
import { objects } from "@studyhall/objects";
import { afterEach, describe, expect, it, vi } from "vitest";
import { apiSettingsSchema } from "../../workers/api/src/config.ts";
import api from "../../workers/api/src/index.ts";
import { BASE, expectProblem, json, newOrg } from "../helpers/api.ts";
import { withBindings } from "../helpers/with-bindings.ts";

/** The test environment with some variables replaced, as a deployment with those settings would have it. */
function envWith(vars: Record<string, string>): ApiEnv {
  return withBindings(env as ApiEnv, vars);
}

async function fetchWith(vars: Record<string, string>, path: string, token?: string): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await api.fetch(
    new Request(`${BASE}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} }),
    envWith(vars),
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

function capturedErrors() {
  const spy = vi.spyOn(console, "error").mockImplementation(() => {});
  return () => spy.mock.calls.map((args) => args.join(" ")).join("\n");
}

afterEach(() => vi.restoreAllMocks());

describe("a misconfigured deployment", () => {
  it("answers a rate limit the limiter would refuse with a 503 that names nothing; the log names the variable and its bound", async () => {
    const admin = await newOrg();
    const logs = capturedErrors();
    const response = await fetchWith({ RATE_LIMIT_API_PER_MIN: String(RATE_LIMITER_MAX_LIMIT + 1) }, "/v1/me", admin.token);
    const text = await response.clone().text();
    const problem = await expectProblem(response, 503, "service-unavailable");
    expect(problem.detail).toMatch(/misconfigured/);
    expect(text).not.toMatch(/RATE_LIMIT|100001/);
    expect(logs()).toMatch(new RegExp(`RATE_LIMIT_API_PER_MIN must be an integer from 1 to ${RATE_LIMITER_MAX_LIMIT}`));
  });

  it("answers every request with the same 503 while the export-link secret is too short to sign with; the log names it", async () => {
    const admin = await newOrg();
    const logs = capturedErrors();
    const response = await fetchWith({ EXPORT_URL_SECRET: "too-short-to-sign-with" }, "/v1/me", admin.token);
    const text = await response.clone().text();
    const problem = await expectProblem(response, 503, "service-unavailable");
    expect(problem.detail).toMatch(/misconfigured/);
    expect(text).not.toMatch(/EXPORT_URL_SECRET|too-short-to-sign-with/);
    expect(logs()).toMatch(/EXPORT_URL_SECRET must be at least 32 characters/);
    expect(logs()).not.toMatch(/too-short-to-sign-with/);
  });

  it("never writes a secret's value into the error, only its name", async () => {
    const error = (() => {
      try {
        loadConfig(envWith({ JWT_SIGNING_KEYS: "secret-key-material-not-json" }));
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([{ name: "JWT_SIGNING_KEYS", bound: "a JSON array of JWKs, each with a kid" }]);
    expect((error as Error).message).not.toMatch(/secret-key-material/);
  });

  it("names every bad variable at once, and a provider set up halfway", () => {
    const error = (() => {
      try {
        loadConfig(envWith({ LESSON_CACHE_TTL: "30", JOB_MAX_RETRIES: "-1", OIDC_JWKS_URL: "", OIDC_ISSUER: "https://idp.example" }));
      } catch (caught) {
        return caught as ConfigError;
      }
    })();
    expect(error?.problems.map((p) => p.name).sort()).toEqual(["JOB_MAX_RETRIES", "LESSON_CACHE_TTL", "OIDC_JWKS_URL"]);
  });
});

describe("every bound is one its component accepts", () => {
  it("a rate limit at the largest bound is served by the rate limiter", async () => {
    const admin = await newOrg();
    const response = await fetchWith({ RATE_LIMIT_API_PER_MIN: String(RATE_LIMITER_MAX_LIMIT) }, "/v1/me", admin.token);
    expect(response.status).toBe(200);
    expect(response.headers.get("X-RateLimit-Limit")).toBe(String(RATE_LIMITER_MAX_LIMIT));
    expect((await json(response)).user.id).toBe(admin.id);
  });

  it("the largest LLM rates the configuration allows are ones the LLM gate takes", async () => {
    const config = loadConfig(
      envWith({ LLM_REQUESTS_PER_MIN: String(LLM_GATE_MAX_REQUESTS_PER_MIN), LLM_TOKENS_PER_MIN: String(LLM_GATE_MAX_TOKENS_PER_MIN) }),
    );
    const gate = objects(env).llmGate.getByName(`config-test-${crypto.randomUUID()}`);
    const grant = await gate.acquire({
      orgId: "config-test",
      requestsPerMinute: config.LLM_REQUESTS_PER_MIN,
      tokensPerMinute: config.LLM_TOKENS_PER_MIN,
      estimatedTokens: 1000,
    });
    expect(grant.granted).toBe(true);
  });

  it("every variable says its bound, so the error and the README can name it", () => {
    for (const schema of [configSchema, llmConfigSchema, apiSettingsSchema]) {
      for (const [name, field] of Object.entries(schema.shape))
        expect({ name, bound: (field as { description?: string }).description }).toEqual({ name, bound: expect.any(String) });
    }
  });
});
