/**
 * An upload meeting a fault at each boundary it crosses, injected by wrapping
 * the real binding the API worker is given: D1 failing the document and job
 * write, R2 failing partway through storing the file, the queue refusing the
 * job's message. What the uploader then sees is asserted, and what a later
 * look at the bucket and the database finds.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import type { JobMessage } from "@studyhall/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Actor, call, expectProblem, json } from "../helpers/api.ts";
import { failingBucket, failingD1, failingQueue, insertsInto, recordingQueue, withBindings } from "../helpers/failing-bindings.ts";
import { chunked, pdfBytes, storedKeys, teacher, uploadWith } from "./upload-fixtures.ts";

const PDF = { "Content-Type": "application/pdf" };

/**
 * The jobs worker's entry points, loaded by a path TypeScript does not follow: this project is type-checked
 * with the API worker's bindings, and the jobs worker's sources with their own (workers/jobs/tsconfig.json).
 */
interface JobsWorker {
  queue(batch: MessageBatch, env: unknown, ctx: ExecutionContext): Promise<void>;
  scheduled(controller: ScheduledController, env: unknown): Promise<void>;
}
const JOBS_WORKER = "../../workers/jobs/src/index.ts";
const jobsWorker = async () => ((await import(/* @vite-ignore */ JOBS_WORKER)) as { default: JobsWorker }).default;

const corpusPdf = async (name: string) => new Uint8Array(await (await fetch(`https://corpus.test/${name}`)).arrayBuffer());

afterEach(() => vi.restoreAllMocks());

/** What the owner has in D1 after the upload: documents and jobs. */
async function rowsOf(owner: Actor) {
  const count = (table: string) =>
    env.DB.prepare(`select count(*) as n from ${table} where owner_id = ?`)
      .bind(owner.id)
      .first<{ n: number }>()
      .then((r) => r!.n);
  return { documents: await count("documents"), jobs: await count("jobs") };
}

/** A 503 that says nothing was kept and when to try again, without a word of what failed underneath. */
async function expectNothingKept(response: Response, underneath: RegExp) {
  expect(response.headers.get("Retry-After")).toMatch(/^\d+$/);
  const text = await response.clone().text();
  expect(text).not.toMatch(underneath);
  const problem = await expectProblem(response, 503, "service-unavailable");
  expect(problem.detail).toMatch(/nothing of it was kept/);
}

describe(".error: D1 fails while the upload is accepted", () => {
  it("the document and job write failing is a 503 problem with Retry-After, and neither the file nor a row remains", async () => {
    const t = await teacher();
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const db = failingD1(env.DB, { when: insertsInto("documents") });
    const response = await uploadWith(withBindings(env, { DB: db.binding }), t, pdfBytes(200_000), PDF, "?generate=false");

    expect(db.failures).toBe(1);
    await expectNothingKept(response, /Network connection lost|D1_ERROR/);
    // The operators' log has what D1 said, under the request id the client was given.
    expect(logged.mock.calls.flat().join("\n")).toContain(response.headers.get("X-Request-Id")!);
    expect(await storedKeys(t.orgId)).toEqual([]);
    expect(await rowsOf(t)).toEqual({ documents: 0, jobs: 0 });

    // D1 back: the same upload goes through.
    expect((await call("/v1/documents?generate=false", { token: t.token, body: pdfBytes(200_000), headers: PDF })).status).toBe(202);
  });
});

describe(".error: R2 fails partway through storing the file", () => {
  // What R2 said goes to the log, which these tests do not read.
  beforeEach(() => void vi.spyOn(console, "error").mockImplementation(() => {}));

  it("a multipart part failing is a 503; the upload is aborted, so no object, no parts and no row remain", async () => {
    const t = await teacher();
    const bucket = failingBucket(env.FILES, { failPart: 2 });
    // A chunked body of three parts: the first is stored, the second fails.
    const response = await uploadWith(withBindings(env, { FILES: bucket.binding }), t, chunked(pdfBytes(11 * 1024 * 1024)), PDF);

    expect(bucket.failures).toBe(1);
    await expectNothingKept(response, /internal error|10001|uploadPart/);
    expect(await storedKeys(t.orgId)).toEqual([]);
    // The begun upload is gone too: R2 no longer takes a part for it, so its stored part does not linger.
    expect(bucket.uploads).toHaveLength(1);
    const [begun] = bucket.uploads;
    const resumed = env.FILES.resumeMultipartUpload(begun!.key, begun!.uploadId);
    await expect(resumed.uploadPart(3, new Uint8Array(16))).rejects.toThrow();
    expect(await rowsOf(t)).toEqual({ documents: 0, jobs: 0 });
  });

  it("a stream put failing after part of the body is a 503, and nothing is stored or recorded", async () => {
    const t = await teacher();
    const bucket = failingBucket(env.FILES, { putFailsAfterBytes: 64 * 1024 });
    // With a Content-Length, the body streams straight into one put.
    const size = 1024 * 1024;
    const response = await uploadWith(
      withBindings(env, { FILES: bucket.binding }),
      t,
      pdfBytes(size),
      { ...PDF, "Content-Length": String(size) },
      "?generate=false",
    );

    expect(bucket.failures).toBe(1);
    await expectNothingKept(response, /internal error|10001/);
    expect(await storedKeys(t.orgId)).toEqual([]);
    expect(await rowsOf(t)).toEqual({ documents: 0, jobs: 0 });
  });
});

describe(".error: the queue refuses the job's message after the write", () => {
  it("the upload is still accepted (202), the sweep sends the job later, and the job completes", async () => {
    const t = await teacher();
    vi.spyOn(console, "error").mockImplementation(() => {});
    const queue = failingQueue(env.JOBS_NORMAL);
    const response = await uploadWith(
      withBindings(env, { JOBS_NORMAL: queue.binding }),
      t,
      await corpusPdf("nested_outline.pdf"),
      PDF,
      "?generate=false",
    );

    expect(queue.failures).toBe(1);
    expect(response.status).toBe(202);
    const accepted = await json(response);
    const jobPath = accepted.links.status as string;
    expect((await json(await call(jobPath, { token: t.token }))).status).toBe("queued");
    // The jobs worker's sweep (its cron), told to send unsent jobs at once instead of after 30 s.
    const lane = recordingQueue(env.JOBS_NORMAL as Queue<JobMessage>);
    const jobs = await jobsWorker();
    await jobs.scheduled(
      { scheduledTime: Date.now(), cron: "* * * * *", noRetry() {} },
      withBindings(env, { JOB_UNSENT_AFTER_SECONDS: "0", JOBS_NORMAL: lane.binding }),
    );
    const message = lane.sent.find((m) => m.jobId === accepted.job.id);
    expect(message).toEqual({ jobId: accepted.job.id, kind: "parse-document" });
    // The message the sweep sent, delivered as the queue would.
    const batch = createMessageBatch("studyhall-jobs-normal", [
      { id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: message },
    ]);
    const ctx = createExecutionContext();
    await jobs.queue(batch as MessageBatch, env, ctx);
    await getQueueResult(batch, ctx);

    expect(await json(await call(jobPath, { token: t.token }))).toMatchObject({ status: "completed", attempts: 1, error: null });
    expect((await json(await call(`/v1/documents/${accepted.document.id}`, { token: t.token }))).status).toBe("parsed");
    // The first parse of a file loads the jobs worker and the PDF parser, which alone can take most of the default 30 s.
  }, 60_000);
});
