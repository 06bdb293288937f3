/** Reading a generated course: cached lessons, regeneration, failures, live progress and the shared LLM gate. */
import { env } from "cloudflare:test";
import { loadConfig, silentPublisher } from "@studyhall/core";
import { documentKeys, jobs } from "@studyhall/db";
import { objects } from "@studyhall/objects";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, call, expectProblem, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { withBindings } from "../../../test/helpers/with-bindings.ts";
import { handlers } from "../src/handlers.ts";
import { runJob } from "../src/runner.ts";
import { corpusPdf, db, jobRow, runToEnd } from "./run-jobs.ts";

let teacher: Actor;
let student: Actor;
let courseId: string;
let documentId: string;
let lessonIds: string[];

beforeAll(async () => {
  const admin = await newOrg();
  teacher = await newMember(admin, "teacher");
  student = await newMember(admin, "student");
  const accepted = await json(
    await call("/v1/documents", {
      token: teacher.token,
      body: await corpusPdf("tracemonkey.pdf"),
      headers: { "Content-Type": "application/pdf" },
    }),
  );
  documentId = accepted.document.id;
  const parsed = await runToEnd(accepted.job.id);
  const course = await runToEnd((parsed.job.result as { courseJobId: string }).courseJobId);
  courseId = (course.job.result as { courseId: string }).courseId;
  const outline = await json(await call(`/v1/courses/${courseId}`, { token: teacher.token }));
  lessonIds = outline.modules.flatMap((m: { lessons: { id: string }[] }) => m.lessons.map((l) => l.id));
}, 120_000);

/** Waits (without spending the caller's rate limit) until the lesson is in KV, then reads it. */
async function untilCached(path: string, token: string): Promise<Response> {
  const [, courseId, lessonId] = /\/v1\/courses\/([^/]+)\/lessons\/([^/?]+)/.exec(path)!;
  for (let i = 0; i < 200 && !(await env.LESSONS.get(`lesson:${courseId}:${lessonId}`)); i++) await new Promise((r) => setTimeout(r, 10));
  const response = await call(path, { token });
  if (response.headers.get("X-Cache") !== "HIT") throw new Error("the lesson never came from the cache");
  return response;
}

describe("lessons from the KV cache", () => {
  it("a first read fills the cache, the next is a hit; ETag gives 304; both are counted", async () => {
    const counters = objects(env).counters.getByName("global");
    const before = await counters.snapshot();
    const path = `/v1/courses/${courseId}/lessons/${lessonIds[1]}`;
    const miss = await call(path, { token: student.token });
    expect(miss.headers.get("X-Cache")).toBe("MISS");
    expect(miss.headers.get("Cache-Control")).toMatch(/max-age=\d+/);
    const hit = await untilCached(path, student.token);
    const etag = hit.headers.get("ETag")!;
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    expect(await hit.json()).toEqual(await miss.json());
    const notModified = await call(path, { token: student.token, headers: { "If-None-Match": etag } });
    expect(notModified.status).toBe(304);
    // An isolate adds its counts to the global object at most once a second, with a later request: ask until it has.
    let after = await counters.snapshot();
    for (let i = 0; i < 50 && (after.lesson_cache_hits ?? 0) < (before.lesson_cache_hits ?? 0) + 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await call("/healthz");
      after = await counters.snapshot();
    }
    expect((after.lesson_cache_misses ?? 0) - (before.lesson_cache_misses ?? 0)).toBeGreaterThanOrEqual(1);
    expect((after.lesson_cache_hits ?? 0) - (before.lesson_cache_hits ?? 0)).toBeGreaterThanOrEqual(2);
  });

  it("a student of another organisation cannot read it, cached or not", async () => {
    const outsider = await newMember(await newOrg(), "student");
    await expectProblem(await call(`/v1/courses/${courseId}/lessons/${lessonIds[1]}`, { token: outsider.token }), 404);
  });

  it("regenerating a lesson writes a new version and drops the cached copy", async () => {
    const path = `/v1/courses/${courseId}/lessons/${lessonIds[0]}`;
    await call(path, { token: teacher.token });
    const cached = await untilCached(path, teacher.token);
    const oldEtag = cached.headers.get("ETag");
    await expectProblem(await call(`${path}/regenerate`, { token: student.token, method: "POST" }), 403);
    const accepted = await call(`${path}/regenerate`, { token: teacher.token, method: "POST" });
    expect(accepted.status).toBe(202);
    const job = await json(accepted);
    expect(job).toMatchObject({ kind: "regenerate-lesson", lane: "high", status: "queued" });
    await runToEnd(job.id);
    const fresh = await call(path, { token: teacher.token });
    expect(fresh.headers.get("X-Cache")).toBe("MISS");
    expect(fresh.headers.get("ETag")).not.toBe(oldEtag);
    expect((await json(fresh)).version).toBe(2);
    // A redelivery of the finished regeneration writes nothing new.
    await runJob({ jobId: job.id, kind: job.kind }, { db: db(), env, config: loadConfig(env), handlers, publisher: silentPublisher });
    expect((await json(await call(path, { token: teacher.token }))).version).toBe(2);
  });

  it("a redelivered generation message never regenerates the published course", async () => {
    const before = await json(await call(`/v1/courses/${courseId}`, { token: teacher.token }));
    const job = await jobRow(before.jobId);
    await db().update(jobs).set({ status: "queued" }).where(eq(jobs.id, job.id)); // as if its completion had been lost
    await runToEnd(job.id);
    const after = await json(await call(`/v1/courses/${courseId}`, { token: teacher.token }));
    expect(after.modules).toEqual(before.modules);
    expect((await jobRow(job.id)).result).toMatchObject({ alreadyPublished: true });
  });
});

describe("live progress", () => {
  it("streams a finished job's state as server-sent events, then ends", async () => {
    const parseJob = (await json(await call(`/v1/documents/${documentId}`, { token: teacher.token }))).parseJob;
    const response = await call(`/v1/jobs/${parseJob.id}/events`, { token: teacher.token });
    expect(response.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const events = [...text.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map(([, event, data]) => ({ event, data: JSON.parse(data!) }));
    expect(events[0]).toMatchObject({ event: "progress", data: { id: parseJob.id, status: "completed", progress: 100 } });
    expect(events.at(-1)).toEqual({ event: "end", data: { status: "completed" } });
  });
});

describe("generation failures", () => {
  it("a course whose generation fails for good is marked FAILED, with the job's error", async () => {
    const accepted = await json(await call(`/v1/documents/${documentId}/course`, { token: teacher.token, body: { title: "Doomed" } }));
    await env.FILES.delete(documentKeys.parsed(teacher.orgId, documentId));
    await runToEnd(accepted.job.id);
    expect(await jobRow(accepted.job.id)).toMatchObject({ status: "failed", error: { type: "/problems/document-not-parsed" } });
    expect((await json(await call(`/v1/courses/${accepted.courseId}`, { token: teacher.token }))).status).toBe("FAILED");
  });
});

describe("the shared LLM limit", () => {
  it("a generation that would exceed it waits, without losing an attempt", async () => {
    const config = loadConfig(env);
    const gate = objects(env).llmGate.getByName("global");
    for (let i = 0; i < config.LLM_REQUESTS_PER_MIN; i++) {
      await gate.acquire({
        orgId: "another-organisation",
        requestsPerMinute: config.LLM_REQUESTS_PER_MIN,
        tokensPerMinute: config.LLM_TOKENS_PER_MIN,
        estimatedTokens: 0,
      });
    }
    // A remote model is configured; the gate is full, so no request is even attempted.
    const remote = withBindings(env as unknown as JobsEnv, {
      LLM_PROVIDER: "openai",
      LLM_API_KEYS: "sk-test",
      LLM_BASE_URL: "https://llm.test/v1",
    });
    const accepted = await json(
      await call("/v1/documents", {
        token: teacher.token,
        body: await corpusPdf("issue925.pdf"),
        headers: { "Content-Type": "application/pdf" },
      }),
    );
    await runToEnd(accepted.job.id);
    const courseJobId = (await jobRow(accepted.job.id)).result as { courseJobId: string };
    const outcome = await runJob(
      { jobId: courseJobId.courseJobId, kind: "generate-course" },
      { db: db(), env: remote, config, handlers, publisher: silentPublisher },
    );
    expect(outcome).toMatchObject({ lane: "normal" });
    expect((outcome as { retryInSeconds: number }).retryInSeconds).toBeGreaterThan(1);
    expect(await jobRow(courseJobId.courseJobId)).toMatchObject({
      status: "queued",
      attempts: 0,
      stage: "waiting for the shared LLM rate limit",
    });
  });
});
