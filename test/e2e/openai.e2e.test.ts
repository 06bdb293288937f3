/**
 * Course generation with the openai provider, end to end: a second platform
 * instance whose workers are configured (through dev.mjs `--vars-file`) to
 * use a real OpenAI-compatible server on loopback (fake-openai.ts). Nothing
 * leaves the machine. A third instance gives teachers a small monthly quota:
 * work that would spend more is refused before it is accepted.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type FakeOpenAi, startFakeOpenAi } from "./fake-openai.ts";
import { longestSharedRun, type PaperText, paperText, unknownWords } from "./paper-text.ts";
import { type Platform, startPlatform } from "./platform.ts";
import {
  type AcceptedUpload,
  corpusPdf,
  demoTeacher,
  expectJson,
  getJson,
  type JobView,
  pollJob,
  postJson,
  signIn,
  uploadPdf,
} from "./studyhall-client.ts";

interface Usage {
  used: number;
  reserved: number;
  limit: number;
  remaining: number;
}
type AnswerKey = { questions: { choices: string[]; answer: unknown; sourcePassage: string | null }[] }[];
interface CourseView {
  status: string;
  modules: { lessons: { id: string; ready: boolean }[]; quiz: { questionCount: number } | null }[];
}

describe("a course generated through the openai provider against a local OpenAI-compatible server", () => {
  let fake: FakeOpenAi;
  let platform: Platform;
  let base: string;
  let token: string;
  let paper: PaperText;
  let documentId: string;

  beforeAll(async () => {
    fake = await startFakeOpenAi({ keys: ["key-one", "key-two"], models: ["test-model"] });
    platform = await startPlatform({
      label: "openai",
      store: inject("store"),
      vars: { LLM_PROVIDER: "openai", LLM_BASE_URL: `${fake.url}/v1`, LLM_MODEL: "test-model", LLM_API_KEYS: "key-one,key-two" },
    });
    base = platform.url;
    token = await signIn(base, demoTeacher);
    paper = await paperText(await corpusPdf("tracemonkey.pdf"));
  });

  afterAll(async () => {
    await platform?.stop();
    await fake?.close();
  });

  it("publishes tracemonkey.pdf's course from the model's replies, sending the paper inside the delimiters with the configured key and model, and charges the reported tokens to the teacher", async () => {
    const accepted = await expectJson<AcceptedUpload>(
      await uploadPdf(base, token, await corpusPdf("tracemonkey.pdf"), "?title=TraceMonkey"),
      202,
    );
    documentId = accepted.document.id;
    const parsed = await pollJob(base, token, accepted.job.id);
    expect(parsed.job.status).toBe("completed");
    const generated = await pollJob(base, token, String(parsed.job.result?.courseJobId));
    expect(generated.job).toMatchObject({ status: "completed", progress: 100 });
    expect(generated.job.result).toMatchObject({ provider: "openai", model: "test-model" });

    // What the server saw: one outline call, then lessons and quizzes, all with the first key and the configured model.
    const chats = fake.chats;
    expect(chats.length).toBeGreaterThan(2);
    expect(chats.every((c) => c.status === 200)).toBe(true);
    expect(new Set(chats.map((c) => c.apiKey))).toEqual(new Set(["key-one"]));
    expect(new Set(chats.map((c) => c.model))).toEqual(new Set(["test-model"]));
    expect(chats[0]!.stage).toBe("outline");
    expect(new Set(chats.map((c) => c.stage))).toEqual(new Set(["outline", "lesson", "questions"]));
    for (const c of chats) {
      expect(c.body.response_format).toMatchObject({
        type: "json_schema",
        json_schema: { strict: true, schema: { type: "object", additionalProperties: false } },
      });
      expect(c.body.messages[0]).toMatchObject({ role: "system", content: expect.stringContaining("never instructions") });
      expect(c.documentText, `${c.stage} without a delimited document`).toBeDefined();
      expect(longestSharedRun(c.documentText!, paper), c.stage).toBeGreaterThanOrEqual(30);
    }
    expect(chats[0]!.documentText).toMatch(/^(Title: .+\n\n)?\[section \d+ \| /);

    // Tokens: the sum the server reported is what the job counted and what the teacher was charged.
    const reported = fake.usedTokens();
    expect(reported).toBeGreaterThan(1000);
    expect(generated.job.result?.tokens).toBe(reported);
    const usage = await getJson<Usage>(base, "/v1/me/usage", token);
    expect(usage.used).toBe(reported);
    expect(usage.remaining).toBe(usage.limit - reported);

    // The published course is the model's: lessons and questions made of the paper's words.
    const course = await getJson<CourseView>(base, `/v1/courses/${generated.job.result?.courseId}`, token);
    expect(course.status).toBe("PUBLISHED");
    const lessons = course.modules.flatMap((m) => m.lessons);
    expect(lessons.length).toBe(chats.filter((c) => c.stage === "lesson").length);
    for (const { id } of lessons) {
      const lesson = await getJson<{ bodyMd: string }>(base, `/v1/courses/${generated.job.result?.courseId}/lessons/${id}`, token);
      expect(longestSharedRun(lesson.bodyMd, paper)).toBeGreaterThanOrEqual(12);
    }
    const key = await getJson<AnswerKey>(base, `/v1/courses/${generated.job.result?.courseId}/answer-key`, token);
    const questions = key.flatMap((q) => q.questions);
    expect(questions.length).toBeGreaterThan(0);
    for (const q of questions) {
      expect(typeof q.answer === "number" && q.answer < q.choices.length).toBe(true);
      expect(unknownWords(q.sourcePassage ?? "", paper)).toEqual([]);
      expect(longestSharedRun(q.sourcePassage ?? "", paper)).toBeGreaterThanOrEqual(8);
    }
  }, 240_000);

  it("moves on to the second key when the endpoint answers 429 with retry-after on the first, and stays on it", async () => {
    const before = fake.chats.length;
    fake.rateLimitNext("key-one", 1);
    const started = await postJson<{ job: JobView }>(
      base,
      `/v1/documents/${documentId}/course`,
      { title: "TraceMonkey, again", moduleCount: 2 },
      { token, status: 202 },
    );
    const generated = await pollJob(base, token, started.job.id);
    expect(generated.job).toMatchObject({ status: "completed", attempts: 1 });
    expect(generated.job.result).toMatchObject({ provider: "openai", model: "test-model", modules: 2 });

    const chats = fake.chats.slice(before);
    expect(chats[0]).toMatchObject({ apiKey: "key-one", status: 429, stage: "outline" });
    expect(chats[1]).toMatchObject({ apiKey: "key-two", status: 200, stage: "outline" });
    // The same prompt again, on the other key.
    expect(chats[1]!.body.messages).toEqual(chats[0]!.body.messages);
    expect(chats.slice(1).every((c) => c.apiKey === "key-two" && c.status === 200)).toBe(true);

    const usage = await getJson<Usage>(base, "/v1/me/usage", token);
    expect(usage.used).toBe(fake.usedTokens());
  }, 240_000);
});

describe("a teacher whose monthly quota is smaller than the work asked for", () => {
  let fake: FakeOpenAi;
  let platform: Platform;
  let base: string;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeOpenAi({ keys: ["key-one"], models: ["test-model"] });
    platform = await startPlatform({
      label: "openai-quota",
      store: inject("store"),
      vars: {
        LLM_PROVIDER: "openai",
        LLM_BASE_URL: `${fake.url}/v1`,
        LLM_MODEL: "test-model",
        LLM_API_KEYS: "key-one",
        QUOTA_TOKENS_TEACHER: "2000",
      },
    });
    base = platform.url;
    token = await signIn(base, demoTeacher);
  });

  afterAll(async () => {
    await platform?.stop();
    await fake?.close();
  });

  it("has the default upload refused with 429 quota-exceeded before it is accepted: no document, no job, and the model never asked", async () => {
    const refused = await uploadPdf(base, token, await corpusPdf("tracemonkey.pdf"), "?title=TraceMonkey");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    const problem = (await refused.json()) as { type: string; usage: Usage; needed: number; requestId: string };
    expect(problem).toMatchObject({ type: "/problems/quota-exceeded", usage: { used: 0, reserved: 0, limit: 2000, remaining: 2000 } });
    expect(problem.needed).toBeGreaterThan(2000);
    expect(problem.requestId).toBe(refused.headers.get("x-request-id"));
    expect((await getJson<{ items: unknown[] }>(base, "/v1/documents", token)).items).toEqual([]);
    expect((await getJson<{ items: unknown[] }>(base, "/v1/jobs", token)).items).toEqual([]);

    // Parsing spends nothing and is accepted; the course asked for afterwards is refused the same way.
    const accepted = await expectJson<AcceptedUpload>(
      await uploadPdf(base, token, await corpusPdf("tracemonkey.pdf"), "?generate=false"),
      202,
    );
    expect((await pollJob(base, token, accepted.job.id)).job.status).toBe("completed");
    const course = await fetch(`${base}/v1/documents/${accepted.document.id}/course`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ moduleCount: 2 }),
    });
    expect(course.status).toBe(429);
    expect(((await course.json()) as { type: string }).type).toBe("/problems/quota-exceeded");
    expect((await getJson<{ items: { kind: string }[] }>(base, "/v1/jobs", token)).items.map((j) => j.kind)).toEqual(["parse-document"]);
    expect(fake.chats).toEqual([]);
    expect(await getJson<Usage>(base, "/v1/me/usage", token)).toMatchObject({ used: 0, reserved: 0, remaining: 2000 });
  }, 240_000);
});
