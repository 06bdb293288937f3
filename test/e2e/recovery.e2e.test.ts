/**
 * A job survives the platform dying under it. The demo teacher uploads a
 * whole book (freeculture.pdf) to a real `wrangler dev` of every worker; while
 * its parse is active, every process of the platform is killed at once
 * (SIGKILL to the process group: no clean shutdown, and the local queue's
 * in-memory messages gone), and the platform is started again on the same
 * state. With no cron and nobody asking, the JobSweeper (scheduled by the
 * readiness probe's request) sends the parse again once its dead consumer's
 * lease expires, and it completes, then the course is generated: one
 * document, one course, each section once. The same holds for a course
 * killed while it is being generated (by a slow OpenAI-compatible model).
 */
import { rmSync } from "node:fs";
import { afterAll, describe, expect, inject, it } from "vitest";
import { startFakeOpenAi } from "./fake-openai.ts";
import { type Platform, startPlatform } from "./platform.ts";
import {
  type AcceptedUpload,
  corpusPdf,
  demoTeacher,
  expectJson,
  getJson,
  type JobView,
  pollJob,
  signIn,
  uploadPdf,
} from "./studyhall-client.ts";

/** A short lease and sweep, so a dead consumer's job is recovered within seconds rather than minutes. */
const vars = {
  JOB_LEASE_SECONDS: "10",
  JOB_SWEEP_INTERVAL_SECONDS: "2",
  RATE_LIMIT_AUTH_PER_MIN: "1000",
  RATE_LIMIT_API_PER_MIN: "10000",
};

/** The instances still running and the state directories to remove, whatever a test left. */
const running = new Set<Platform>();
const states = new Set<string>();

const onTeardown: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const platform of running) await platform.stop();
  for (const state of states) rmSync(state, { recursive: true, force: true });
  for (const teardown of onTeardown) await teardown();
});

async function start(state?: string, extra: Record<string, string> = {}): Promise<Platform> {
  const platform = await startPlatform({
    vars: { ...vars, ...extra },
    label: "recovery",
    store: inject("store"),
    keepState: true,
    ...(state ? { state } : {}),
  });
  running.add(platform);
  states.add(platform.state);
  return platform;
}

/** Kills every process of the platform at once, then starts it again on the state it left. */
async function crashAndRestart(platform: Platform, extra: Record<string, string> = {}): Promise<Platform> {
  await platform.kill();
  running.delete(platform);
  return start(platform.state, extra);
}

/** Polls a job until `done` says so; fails if the job finishes first. */
async function waitFor(base: string, token: string, jobId: string, done: (job: JobView) => boolean): Promise<JobView> {
  for (;;) {
    const job = await getJson<JobView>(base, `/v1/jobs/${jobId}`, token);
    if (done(job)) return job;
    if (["completed", "failed", "cancelled"].includes(job.status))
      throw new Error(`job ended before it could be interrupted: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("recovery after the platform is killed", () => {
  it("a parse killed mid-way completes after a restart on the same state, and its course is generated once", {
    timeout: 420_000,
  }, async () => {
    let platform = await start();
    const token = await signIn(platform.url, demoTeacher);
    const accepted = await expectJson<AcceptedUpload>(await uploadPdf(platform.url, token, await corpusPdf("freeculture.pdf")), 202);
    const interrupted = await waitFor(platform.url, token, accepted.job.id, (job) => job.status === "active" && job.progress >= 15);
    expect(interrupted.progress).toBeLessThan(100);

    platform = await crashAndRestart(platform);
    const again = await signIn(platform.url, demoTeacher);

    const parsed = await pollJob(platform.url, again, accepted.job.id, { timeoutMs: 180_000, intervalMs: 500 });
    expect(parsed.job).toMatchObject({ status: "completed", progress: 100 });
    const courseJobId = String(parsed.job.result?.courseJobId ?? "");
    expect(courseJobId).toBeTruthy();
    const generated = await pollJob(platform.url, again, courseJobId, { timeoutMs: 180_000, intervalMs: 500 });
    expect(generated.job.status).toBe("completed");

    const documents = await getJson<{ items: { id: string; status: string }[] }>(platform.url, "/v1/documents", again);
    expect(documents.items).toEqual([expect.objectContaining({ id: accepted.document.id, status: "parsed" })]);
    const document = await getJson<{ sections: { index: number }[] }>(platform.url, `/v1/documents/${accepted.document.id}`, again);
    expect(document.sections.length).toBeGreaterThan(3);
    expect(new Set(document.sections.map((s) => s.index)).size).toBe(document.sections.length);
    const courses = await getJson<{ items: { id: string; status: string }[] }>(platform.url, "/v1/courses", again);
    expect(courses.items).toEqual([expect.objectContaining({ status: "PUBLISHED" })]);
  });

  it("a course killed while generating completes after a restart, as one course with every lesson ready", {
    timeout: 420_000,
  }, async () => {
    // A model that takes its time, so generation lasts long enough to be interrupted.
    const model = await startFakeOpenAi({ keys: ["key-one"], models: ["test-model"], replyDelayMs: 400 });
    onTeardown.push(() => model.close());
    const llm = { LLM_PROVIDER: "openai", LLM_BASE_URL: `${model.url}/v1`, LLM_MODEL: "test-model", LLM_API_KEYS: "key-one" };
    let platform = await start(undefined, llm);
    const token = await signIn(platform.url, demoTeacher);
    const accepted = await expectJson<AcceptedUpload>(await uploadPdf(platform.url, token, await corpusPdf("tracemonkey.pdf")), 202);
    const parsed = await pollJob(platform.url, token, accepted.job.id, { timeoutMs: 180_000, intervalMs: 250 });
    expect(parsed.job.status).toBe("completed");
    const courseJobId = String(parsed.job.result?.courseJobId ?? "");
    const interrupted = await waitFor(platform.url, token, courseJobId, (job) => job.status === "active" && job.progress > 0);
    expect(interrupted.progress).toBeLessThan(100);

    platform = await crashAndRestart(platform, llm);
    const again = await signIn(platform.url, demoTeacher);
    const generated = await pollJob(platform.url, again, courseJobId, { timeoutMs: 180_000, intervalMs: 500 });
    expect(generated.job).toMatchObject({ status: "completed", progress: 100 });

    const courses = await getJson<{ items: { id: string; status: string }[] }>(platform.url, "/v1/courses", again);
    expect(courses.items).toEqual([expect.objectContaining({ status: "PUBLISHED" })]);
    const course = await getJson<{ modules: { title: string; lessons: { title: string; ready: boolean }[] }[] }>(
      platform.url,
      `/v1/courses/${courses.items[0]!.id}`,
      again,
    );
    const lessons = course.modules.flatMap((m) => m.lessons);
    expect(lessons.length).toBeGreaterThan(0);
    expect(lessons.every((l) => l.ready)).toBe(true);
    // Resumed from its checkpoints, not started over beside them: the course holds exactly what the job made.
    expect(generated.job.result).toMatchObject({ modules: course.modules.length, lessons: lessons.length });
  });
});
