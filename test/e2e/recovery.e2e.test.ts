/**
 * A job survives the platform dying under it. The demo teacher uploads a
 * whole book (freeculture.pdf) to a real `wrangler dev` of every worker; while
 * its parse is active, every process of the platform is killed at once
 * (SIGKILL to the process group: no clean shutdown, and the local queue's
 * in-memory messages gone), and the platform is started again on the same
 * state. With no cron and nobody asking, the JobSweeper (scheduled by the
 * readiness probe's request) sends the parse again once its dead consumer's
 * lease expires, and it completes, then the course is generated: one
 * document, one course, each section once.
 */
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
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

let platform: Platform | undefined;
let state: string | undefined;

afterAll(async () => {
  await platform?.stop();
  if (state) rmSync(state, { recursive: true, force: true });
});

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
    platform = await startPlatform({ vars, label: "recovery", keepState: true });
    state = platform.state;
    const token = await signIn(platform.url, demoTeacher);
    const accepted = await expectJson<AcceptedUpload>(await uploadPdf(platform.url, token, await corpusPdf("freeculture.pdf")), 202);
    const interrupted = await waitFor(platform.url, token, accepted.job.id, (job) => job.status === "active" && job.progress >= 15);
    expect(interrupted.progress).toBeLessThan(100);

    await platform.kill();
    platform = await startPlatform({ vars, state });
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
});
