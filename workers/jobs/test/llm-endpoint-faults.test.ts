/**
 * The model's endpoint at fault, survived as a careful client would: a
 * refused key leaves every job's rotation (the LLM gate remembers it by
 * fingerprint, and the platform's operators see it), replies are asked for
 * as strict structured output, an endpoint that refuses that gets JSON
 * mode once and for all, and one that never answers is given up on at
 * LLM_TIMEOUT_MS, retried, and then failed where its owner sees it.
 */
import { keyFingerprint } from "@studyhall/llm";
import { describe, expect, it, vi } from "vitest";
import { type Actor, call, json } from "../../../test/helpers/api.ts";
import { platformOperator, SCRAPE_TOKEN } from "../../../test/helpers/platform.ts";
import { type FakeModel, fakeModel } from "./fake-llm.ts";
import { runToEnd, teacherWithPaper } from "./run-jobs.ts";

/** Asks for two practice questions (one request to the model) and runs the job through `model`. */
async function practiceJob(teacher: Actor, documentId: string, model: FakeModel) {
  const accepted = await json(
    await call("/v1/questions/generate", { token: teacher.token, body: { count: 2, difficulty: "easy", documentId } }),
  );
  return (await runToEnd(accepted.id, 20, { env: model.env })).job;
}

const unique = () => crypto.randomUUID().slice(0, 8);

describe(".error: a key the endpoint refuses", () => {
  it("a 401 moves the call to the next key at once and the job completes; the next job never tries the refused key; operators see it", async () => {
    const { teacher, documentId } = await teacherWithPaper();
    const revoked = `old-${unique()}`;
    const good = `new-${unique()}`;
    const model = fakeModel(`revoked-${revoked}`, { LLM_API_KEYS: `${revoked},${good}` });

    expect(await practiceJob(teacher, documentId, model)).toMatchObject({ status: "completed", attempts: 1 });
    expect((await model.requests()).map((r) => [r.apiKey, r.status])).toEqual([
      [revoked, 401],
      [good, 200],
    ]);

    expect((await practiceJob(teacher, documentId, model)).status).toBe("completed");
    expect((await model.requests()).slice(2).map((r) => [r.apiKey, r.status])).toEqual([[good, 200]]);

    const operator = await platformOperator();
    const listed = await json(await call("/v1/platform/llm-keys", { token: operator.token }));
    const fingerprint = await keyFingerprint(revoked);
    const entry = listed.keys.find((k: { fingerprint: string }) => k.fingerprint === fingerprint);
    expect(entry).toMatchObject({ state: "refused", status: 401, refusedSince: expect.any(String), retryAt: expect.any(String) });
    expect(Date.parse(entry.retryAt)).toBeGreaterThan(Date.parse(entry.refusedSince));
    expect(JSON.stringify(listed)).not.toContain(revoked);
    expect(listed.keys.find((k: { fingerprint: string; state: string }) => k.state === "active")).toBeDefined();

    const metrics = await call("/metrics", { token: SCRAPE_TOKEN });
    const text = await metrics.text();
    expect(text).toContain("# TYPE studyhall_llm_keys gauge");
    const gauge = (state: string) => Number(new RegExp(`^studyhall_llm_keys\\{state="${state}"\\} (\\d+)$`, "m").exec(text)?.[1]);
    const count = (state: string) => listed.keys.filter((k: { state: string }) => k.state === state).length;
    expect(gauge("refused")).toBeGreaterThanOrEqual(1);
    expect(gauge("refused")).toBe(count("refused"));
    expect(gauge("active")).toBe(count("active"));
  });

  it("when every key is refused the job fails at once, for good, as llm-unauthorized", async () => {
    const { teacher, documentId } = await teacherWithPaper();
    const revoked = `only-${unique()}`;
    const model = fakeModel(`revoked-${revoked}`, { LLM_API_KEYS: revoked });

    const job = await practiceJob(teacher, documentId, model);
    expect(job).toMatchObject({ status: "failed", attempts: 1, error: { type: "/problems/llm-unauthorized", retryable: false } });
    expect((await model.requests()).map((r) => [r.apiKey, r.status])).toEqual([[revoked, 401]]);
    const shown = await json(await call(`/v1/jobs/${job.id}`, { token: teacher.token }));
    expect(shown.error.detail).toContain("refused this deployment's API key");
  });
});

describe(".happy: structured output", () => {
  it("an endpoint that takes json_schema receives the reply's schema in strict form", async () => {
    const { teacher, documentId } = await teacherWithPaper();
    const model = fakeModel("ok");
    expect((await practiceJob(teacher, documentId, model)).status).toBe("completed");
    const [request] = await model.requests();
    expect(request?.responseFormat).toMatchObject({
      type: "json_schema",
      json_schema: {
        name: "practice_questions",
        strict: true,
        schema: { type: "object", required: ["questions"], additionalProperties: false },
      },
    });
    const properties = request?.responseFormat?.json_schema?.schema.properties as { questions: { items: Record<string, unknown> } };
    const item = properties.questions.items;
    expect(item).toMatchObject({ type: "object", additionalProperties: false });
    expect(item.required).toEqual(Object.keys(item.properties as object));
  });

  it("an endpoint that refuses json_schema gets one refused request, then JSON mode, and the jobs complete", async () => {
    const { teacher, documentId } = await teacherWithPaper();
    const model = fakeModel("no-json-schema");
    expect(await practiceJob(teacher, documentId, model)).toMatchObject({ status: "completed", attempts: 1 });
    expect((await practiceJob(teacher, documentId, model)).status).toBe("completed");
    expect((await model.requests()).map((r) => [r.responseFormat?.type, r.status])).toEqual([
      ["json_schema", 400],
      ["json_object", 200],
      ["json_object", 200],
    ]);
  });
});

describe(".error: an endpoint that never answers", () => {
  it("each request is abandoned at LLM_TIMEOUT_MS and retried, then the job fails visibly, in our words, and may be retried", async () => {
    const { teacher, documentId } = await teacherWithPaper();
    vi.spyOn(console, "error").mockImplementation(() => {});
    // One retry per call and one per job (the consumer's own limit): four abandoned requests in all.
    const model = fakeModel("hang", { LLM_TIMEOUT_MS: "1000", LLM_MAX_RETRIES: "1", JOB_MAX_RETRIES: "1" });
    const accepted = await json(
      await call("/v1/questions/generate", { token: teacher.token, body: { count: 2, difficulty: "easy", documentId } }),
    );

    // The endpoint holds each request for a minute, past this test's timeout: the job ends only because every
    // request was given up on.
    const { job } = await runToEnd(accepted.id, 4, { env: model.env });
    expect(job).toMatchObject({ status: "failed", attempts: 2 });
    const requests = await model.requests();
    expect(requests.map((r) => r.status)).toEqual([0, 0, 0, 0]);

    const shown = await json(await call(`/v1/jobs/${job.id}`, { token: teacher.token }));
    expect(shown).toMatchObject({ status: "failed", error: { type: "/problems/job-attempt-failed", retryable: false } });
    expect(shown.error.detail).toMatch(/^All 2 attempts failed; .*did not answer in time/);
    expect(JSON.stringify(shown)).not.toMatch(/timed out|APIConnection|fake-llm|LlmUnavailable|stack/i);

    // Offered again, it runs again: a fresh set of attempts.
    const retried = await call(`/v1/jobs/${job.id}/retry`, { token: teacher.token, body: {} });
    expect(retried.status).toBe(202);
    expect(await json(retried)).toMatchObject({ status: "queued", attempts: 0 });
    // The file's first paper loads the PDF parser, which alone can take most of the default 30 s when run on its own.
  }, 60_000);
});
