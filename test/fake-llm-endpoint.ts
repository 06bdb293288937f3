/**
 * An OpenAI-compatible endpoint for the workerd tests, served by the vitest
 * config's `outboundService` (the jobs' real `fetch` reaches it; nothing
 * leaves the machine). It writes schema-valid replies from the prompt's own
 * document text (the e2e fake's fake-openai-content.ts) and records every
 * request, so a test can check what the model would have seen.
 *
 * Each test picks a run of its own and a behaviour in the base URL:
 * `https://fake-llm.test/<run>/<mode>/v1`, where mode is `ok` (usage counted
 * from the text, about four characters a token), `usage-<n>` (every reply
 * claims n tokens), `flaky` (every other request fails with a 500, starting
 * with the first), `fail-after-<n>` (the first n requests are answered, every later one fails with a
 * 500, as an endpoint that goes down mid-job), `revoked-<key>` (that key is refused with a 401, as a
 * revoked OpenAI key is), `no-json-schema` (structured output is refused
 * with the 400 a model without it answers) or `hang` (no request is ever
 * answered: the client must give up on its own). `GET https://fake-llm.test/<run>/requests` lists what the
 * run received.
 */
import { type ChatRequestBody, completion, jsonSchemaUnsupported, unauthorized } from "../packages/llm/src/fixtures/fake-openai-server.ts";
import { readPrompt, replyFor } from "./e2e/fake-openai-content.ts";

export const FAKE_LLM_ORIGIN = "https://fake-llm.test";

export interface FakeLlmRequest {
  status: number;
  /** The bearer key the request carried. */
  apiKey: string | undefined;
  responseFormat: ChatRequestBody["response_format"];
  stage: string | undefined;
  maxTokens: number | undefined;
  /** What the reply said was used (0 for a failure). */
  totalTokens: number;
}

/** How long `hang` holds a request: far past any test's LLM_TIMEOUT_MS, and short of keeping the run alive for long. */
const HANG_MS = 60_000;

/**
 * Answers nothing for HANG_MS (status 0 in the record: never answered). The client's giving up does not reach
 * here, so the wait is bounded instead, and unref'd so it cannot hold the test run open.
 */
async function hang(record: FakeLlmRequest): Promise<Response> {
  record.status = 0;
  await new Promise<void>((resolve) => setTimeout(resolve, HANG_MS).unref());
  return json(504, { error: { message: "fake-llm: held past its time", type: "server_error", param: null, code: null } });
}

const runs = new Map<string, FakeLlmRequest[]>();

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const tokensOf = (texts: string[]) => texts.reduce((n, t) => n + 4 + Math.ceil(t.length / 4), 3);

async function chat(request: Request, run: string, mode: string): Promise<Response> {
  const body = (await request.json()) as ChatRequestBody;
  const seen = runs.get(run) ?? [];
  runs.set(run, seen);
  const prompt = readPrompt(body.messages);
  const apiKey = request.headers.get("authorization")?.replace(/^Bearer /, "");
  const record: FakeLlmRequest = {
    status: 200,
    apiKey,
    responseFormat: body.response_format,
    stage: prompt.stage,
    maxTokens: body.max_tokens,
    totalTokens: 0,
  };
  seen.push(record);
  if (mode === "hang") return hang(record);
  const refusal =
    mode === `revoked-${apiKey}`
      ? unauthorized()
      : mode === "no-json-schema" && body.response_format?.type === "json_schema"
        ? jsonSchemaUnsupported()
        : undefined;
  if (refusal) {
    record.status = refusal.status;
    return json(refusal.status, refusal.body);
  }
  const answered = /^fail-after-(\d+)$/.exec(mode)?.[1];
  if ((mode === "flaky" && seen.length % 2 === 1) || (answered !== undefined && seen.length > Number(answered))) {
    record.status = 500;
    return json(500, {
      error: { message: "The server had an error while processing your request.", type: "server_error", param: null, code: null },
    });
  }
  const value = replyFor(prompt);
  if (!value) {
    record.status = 400;
    return json(400, {
      error: { message: "fake-llm: cannot tell which stage this prompt is for", type: "invalid_request_error", param: null, code: null },
    });
  }
  const content = JSON.stringify(value);
  const claimed = /^usage-(\d+)$/.exec(mode)?.[1];
  const usage = claimed
    ? { prompt_tokens: Number(claimed) - 50, completion_tokens: 50 }
    : { prompt_tokens: tokensOf(body.messages.map((m) => m.content)), completion_tokens: tokensOf([content]) - 3 };
  record.totalTokens = usage.prompt_tokens + usage.completion_tokens;
  const reply = completion(content, usage);
  return json(reply.status, reply.body);
}

/** Answers a request to the fake's origin. */
export async function fakeLlm(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  const listed = /^\/([\w-]+)\/requests$/.exec(path);
  if (listed && request.method === "GET") return json(200, runs.get(listed[1]!) ?? []);
  const asked = /^\/([\w-]+)\/([\w-]+)\/v1\/chat\/completions$/.exec(path);
  if (asked && request.method === "POST") return chat(request, asked[1]!, asked[2]!);
  return json(404, {
    error: { message: `Unknown request URL: ${request.method} ${path}`, type: "invalid_request_error", param: null, code: "unknown_url" },
  });
}
