/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1 for the end-to-end
 * suite: `POST /v1/chat/completions` and `GET /v1/models`, bearer keys
 * checked, replies in the API's shapes (the envelopes of
 * packages/llm/src/fixtures/fake-openai-server.ts, reused). Unlike that
 * unit-test fake it needs no script: it works out which stage the openai
 * provider asks for and writes schema-valid JSON from the document text in
 * the prompt (fake-openai-content.ts), with token usage estimated from the
 * text like a tokenizer would (about four characters a token). Strict
 * structured output is checked against OpenAI's rules for its schemas. It
 * records every request so tests can assert on keys, models and what was sent.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type ChatRequestBody,
  completion,
  rateLimited,
  type ScriptedReply,
  unauthorized,
} from "../../packages/llm/src/fixtures/fake-openai-server.ts";
import { type ReadPrompt, readPrompt, replyFor } from "./fake-openai-content.ts";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface RecordedChat {
  /** The bearer key the request carried. */
  apiKey: string | undefined;
  model: string;
  stage: ReadPrompt["stage"];
  status: number;
  /** The text between <document> and </document>, as sent. */
  documentText: string | undefined;
  body: ChatRequestBody;
  /** Set on 200 replies: what the reply said was used. */
  usage?: Usage;
  /** When the request arrived (epoch ms). */
  at: number;
  /** Whether the reply reached the client (false when the caller went away first, as a killed platform does). */
  delivered: boolean;
}

export interface FakeOpenAiOptions {
  keys: string[];
  models: string[];
  /** Each chat reply waits this long first, as a real model takes its time; none by default. */
  replyDelayMs?: number;
}

/** Every stage, or one of them. */
export type DelayedStage = ReadPrompt["stage"] | "all";

export interface FakeOpenAi {
  /** The origin; the API base URL is `${url}/v1`. */
  url: string;
  chats: RecordedChat[];
  /** Tokens reported as used by every successful reply that reached its caller so far. */
  usedTokens(): number;
  /**
   * From now on, replies for `stage` (or every stage) wait `ms` first; 0 removes the wait. A stage's own
   * delay wins over "all", and over `replyDelayMs`.
   */
  setReplyDelay(ms: number, stage?: DelayedStage): void;
  /** The next chat request made with `key` is refused with 429 and `retry-after`. */
  rateLimitNext(key: string, retryAfterSeconds: number): void;
  close(): Promise<void>;
}

/** About four characters a token, plus the few tokens each message costs, as OpenAI's counting guide has it. */
export function estimateTokens(texts: string[]): number {
  return texts.reduce((n, t) => n + 4 + Math.ceil(t.length / 4), 3);
}

function isChatBody(value: unknown): value is ChatRequestBody {
  if (typeof value !== "object" || value === null) return false;
  const body = value as Record<string, unknown>;
  return (
    typeof body.model === "string" &&
    Array.isArray(body.messages) &&
    body.messages.every((m: unknown) => typeof (m as { content?: unknown })?.content === "string")
  );
}

/** Where a strict schema breaks OpenAI's rules (every property required, no additional ones), as its 400 names it. */
function strictSchemaProblem(node: unknown, path = "root"): string | undefined {
  if (typeof node !== "object" || node === null) return undefined;
  const schema = node as Record<string, unknown>;
  if (schema.type === "object") {
    const keys = Object.keys((schema.properties as object | undefined) ?? {});
    if (schema.additionalProperties !== false)
      return `In context=('${path}'), 'additionalProperties' is required to be supplied and to be false.`;
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const missing = keys.find((k) => !required.has(k));
    if (missing) return `In context=('${path}'), 'required' is required to include every key in properties. Missing '${missing}'.`;
  }
  for (const [key, value] of Object.entries(schema)) {
    const children = key === "properties" || key === "$defs" ? Object.entries(value as object) : [[key, value] as const];
    for (const [name, child] of children) {
      const found = Array.isArray(child)
        ? child.map((c) => strictSchemaProblem(c, `${path}.${name}`)).find(Boolean)
        : strictSchemaProblem(child, `${path}.${name}`);
      if (found) return found;
    }
  }
  return undefined;
}

const invalid = (message: string, status = 400, code: string | null = null): ScriptedReply => ({
  status,
  body: { error: { message, type: "invalid_request_error", param: null, code } },
});

function send(res: ServerResponse, reply: ScriptedReply) {
  res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
  res.end(typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Starts the server on a free loopback port.
 *
 * @example
 * const fake = await startFakeOpenAi({ keys: ["key-one"], models: ["test-model"] });
 * // LLM_BASE_URL=`${fake.url}/v1`
 * await fake.close();
 */
export async function startFakeOpenAi(options: FakeOpenAiOptions): Promise<FakeOpenAi> {
  const chats: RecordedChat[] = [];
  const armed = new Map<string, number>();
  const created = Math.floor(Date.now() / 1000);
  const delays = new Map<DelayedStage, number>(options.replyDelayMs ? [["all", options.replyDelayMs]] : []);
  const delayOf = (stage: ReadPrompt["stage"]) => delays.get(stage) ?? delays.get("all") ?? 0;

  async function chat(req: IncomingMessage, apiKey: string): Promise<{ reply: ScriptedReply; record?: RecordedChat }> {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return { reply: invalid("We could not parse the JSON body of your request.") };
    }
    if (!isChatBody(body)) return { reply: invalid("'messages' is a required property") };
    const prompt = readPrompt(body.messages);
    const record: RecordedChat = {
      at: Date.now(),
      apiKey,
      model: body.model,
      stage: prompt.stage,
      status: 0,
      documentText: prompt.documentText,
      body,
      delivered: false,
    };
    chats.push(record);
    const delay = delayOf(prompt.stage);
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const reply = ((): ScriptedReply => {
      if (!options.models.includes(body.model))
        return invalid(`The model \`${body.model}\` does not exist or you do not have access to it.`, 404, "model_not_found");
      if (body.response_format?.type === "json_schema") {
        const problem = strictSchemaProblem(body.response_format.json_schema?.schema);
        if (problem) return invalid(`Invalid schema for response_format '${body.response_format.json_schema?.name}': ${problem}`);
      }
      if (body.response_format?.type === "json_object" && !body.messages.some((m) => /json/i.test(m.content))) {
        return invalid("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.");
      }
      const wait = armed.get(apiKey);
      if (wait !== undefined) {
        armed.delete(apiKey);
        return rateLimited({ "retry-after": String(wait) });
      }
      const value = replyFor(prompt);
      if (!value) return invalid("fake-openai: cannot tell which stage this prompt is for");
      const content = JSON.stringify(value);
      const prompt_tokens = estimateTokens(body.messages.map((m) => m.content));
      const completion_tokens = estimateTokens([content]) - 3;
      const ok = completion(content, { prompt_tokens, completion_tokens });
      record.usage = { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
      // The model that answered is the one asked for.
      return { ...ok, body: { ...(ok.body as object), model: body.model } };
    })();
    record.status = reply.status;
    return { reply, record };
  }

  const server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? "/", "http://fake").pathname.replace(/\/$/, "");
      const apiKey = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (!apiKey || !options.keys.includes(apiKey)) return send(res, unauthorized());
      if (req.method === "GET" && path === "/v1/models") {
        return send(res, {
          status: 200,
          body: { object: "list", data: options.models.map((id) => ({ id, object: "model", created, owned_by: "studyhall-e2e" })) },
        });
      }
      const model = /^\/v1\/models\/(.+)$/.exec(path)?.[1];
      if (req.method === "GET" && model) {
        return send(
          res,
          options.models.includes(decodeURIComponent(model))
            ? { status: 200, body: { id: decodeURIComponent(model), object: "model", created, owned_by: "studyhall-e2e" } }
            : invalid(`The model '${model}' does not exist`, 404, "model_not_found"),
        );
      }
      if (path === "/v1/chat/completions") {
        if (req.method !== "POST") return send(res, invalid("Method not allowed", 405));
        const { reply, record } = await chat(req, apiKey);
        // A caller killed while its reply was being written never received it: its tokens were not spent on its behalf.
        if (record)
          res.once("finish", () => {
            record.delivered = true;
          });
        return send(res, reply);
      }
      return send(res, invalid(`Unknown request URL: ${req.method} ${path}`, 404, "unknown_url"));
    } catch (error) {
      send(res, { status: 500, body: { error: { message: String(error), type: "server_error", param: null, code: null } } });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    chats,
    usedTokens: () => chats.reduce((n, c) => n + (c.delivered ? (c.usage?.total_tokens ?? 0) : 0), 0),
    setReplyDelay: (ms, stage = "all") => delays.set(stage, ms),
    rateLimitNext: (key, seconds) => armed.set(key, seconds),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
