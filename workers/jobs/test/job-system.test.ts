/**
 * The job system's guarantees: a job accepted is a job that finishes or fails
 * visibly; retries back off; waits burn no attempt; cancellations stop work;
 * an abandoned job is recovered by the sweep, exactly once in effect.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { DeferJob, type JobMessage, loadConfig, PermanentJobError, silentPublisher } from "@studyhall/core";
import { claimJob, insertJob, type Job, jobEvents, jobs, laneQueues } from "@studyhall/db";
import { objects } from "@studyhall/objects";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type Actor, call, expectProblem, newOrg } from "../../../test/helpers/api.ts";
import { withBindings } from "../../../test/helpers/with-bindings.ts";
import { handlers as platformHandlers } from "../src/handlers.ts";
import worker from "../src/index.ts";
import { backoffMs, type JobHandler, type RunnerDeps, runJob } from "../src/runner.ts";
import { sweep } from "../src/sweep.ts";
import { db, jobRow, skipWait } from "./run-jobs.ts";

const config = loadConfig(env);
/** The runner treats every kind alike; these tests run jobs of one kind with handlers of their own. */
const WORK = "export-course";

/** Records what the runner sends to the dead-letter queue, and passes everything else through. */
function recordingEnv() {
  const deadLettered: JobMessage[] = [];
  const wrapped = withBindings(env as unknown as JobsEnv, {
    JOBS_DEAD: { send: async (m: JobMessage) => void deadLettered.push(m), sendBatch: async () => {} },
  });
  return { env: wrapped, deadLettered };
}

function deps(handlers: Record<typeof WORK, JobHandler>, overrides: Partial<RunnerDeps> = {}): RunnerDeps {
  return {
    db: db(),
    env,
    config,
    handlers: { ...platformHandlers, [WORK]: { run: handlers[WORK] } },
    publisher: silentPublisher,
    ...overrides,
  };
}

async function newJob(owner: Actor, maxAttempts = config.JOB_MAX_RETRIES + 1): Promise<Job> {
  const id = crypto.randomUUID();
  const payload = { exportId: crypto.randomUUID(), courseId: crypto.randomUUID(), format: "json" } as const;
  await insertJob(db(), { id, orgId: owner.orgId, ownerId: owner.id, kind: WORK, lane: "normal", payload, maxAttempts });
  return jobRow(id);
}

const message = (job: Job): JobMessage => ({ jobId: job.id, kind: job.kind });

describe("retries", () => {
  it("backs off exponentially with jitter: about 2 s, 4 s, 8 s", () => {
    const low = () => 0;
    const high = () => 1;
    expect([1, 2, 3].map((n) => backoffMs(config, n, low))).toEqual([2000, 4000, 8000]);
    expect([1, 2, 3].map((n) => backoffMs(config, n, high))).toEqual([2500, 5000, 10000]);
  });

  it("retries a failing job with backoff, then fails it visibly and dead-letters it", async () => {
    const owner = await newOrg();
    const job = await newJob(owner);
    const { env: recording, deadLettered } = recordingEnv();
    let runs = 0;
    const flaky: JobHandler = async () => {
      runs++;
      throw new Error(`upstream timed out (run ${runs})`);
    };
    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(await runJob(message(job), deps({ [WORK]: flaky }, { env: recording })));
      const row = await jobRow(job.id);
      if (i < 3) {
        expect(row).toMatchObject({ status: "queued", attempts: i + 1 });
        // Our words for it, with the attempt and the wait; the error's own text is only logged.
        expect(row.error).toMatchObject({
          retryable: true,
          detail: expect.stringMatching(new RegExp(`^Attempt ${i + 1} of 4 failed: .*retried automatically in about \\d+ s\\.$`)),
        });
        expect(JSON.stringify(row.error)).not.toContain("upstream timed out");
        expect(row.runAfter!.getTime()).toBeGreaterThan(Date.now());
        await skipWait(job.id);
      }
    }
    expect(outcomes.slice(0, 3).map((o) => (o as { retryInSeconds: number }).retryInSeconds)).toEqual([
      expect.any(Number),
      expect.any(Number),
      expect.any(Number),
    ]);
    const delays = outcomes.slice(0, 3).map((o) => (o as { retryInSeconds: number }).retryInSeconds);
    expect(delays[0]).toBeGreaterThanOrEqual(2);
    expect(delays[1]).toBeGreaterThanOrEqual(4);
    expect(delays[2]).toBeGreaterThanOrEqual(8);
    expect(outcomes[3]).toBe("ack");
    const failed = await jobRow(job.id);
    expect(failed).toMatchObject({ status: "failed", attempts: 4 });
    expect(failed.error).toMatchObject({
      detail: expect.stringMatching(/^All 4 attempts failed; .* will not be retried automatically/),
      retryable: false,
    });
    expect(JSON.stringify(failed.error)).not.toContain("upstream timed out");
    expect(runs).toBe(4);
    expect(deadLettered).toEqual([{ jobId: job.id, kind: WORK }]);
    // A redelivered message for the failed job does nothing.
    expect(await runJob(message(job), deps({ [WORK]: flaky }))).toBe("ack");
    expect(runs).toBe(4);
  });

  it("fails at once, without retrying, when retrying cannot help", async () => {
    const owner = await newOrg();
    const job = await newJob(owner);
    const broken: JobHandler = async () => {
      throw new PermanentJobError("pdf-encrypted", "The PDF is password-protected", "It needs a password.");
    };
    expect(await runJob(message(job), deps({ [WORK]: broken }))).toBe("ack");
    expect(await jobRow(job.id)).toMatchObject({
      status: "failed",
      attempts: 1,
      error: { type: "/problems/pdf-encrypted", retryable: false },
    });
  });

  it("fails a job whose stored payload does not fit its kind at once, unretried and unrun, and the dead-letter queue records it", async () => {
    const owner = await newOrg();
    const id = crypto.randomUUID();
    // Written past the contract (an older deployment's row, say): producers' enqueue would refuse it.
    await db()
      .insert(jobs)
      .values({ id, orgId: owner.orgId, ownerId: owner.id, kind: WORK, lane: "normal", payload: { exportId: 42 } });
    const job = await jobRow(id);
    const { env: recording, deadLettered } = recordingEnv();
    let ran = false;
    const work: JobHandler = async () => {
      ran = true;
    };
    expect(await runJob(message(job), deps({ [WORK]: work }, { env: recording }))).toBe("ack");
    const failed = await jobRow(id);
    expect(failed).toMatchObject({
      status: "failed",
      attempts: 1,
      runAfter: null,
      error: {
        type: "/problems/bad-payload",
        title: "The job's input is invalid",
        detail: "The job's stored input does not match what this kind of job needs; it will not be retried.",
        retryable: false,
      },
    });
    expect(JSON.stringify(failed.error)).not.toContain("exportId");
    expect(ran).toBe(false);
    expect(deadLettered).toEqual([message(job)]);

    const batch = createMessageBatch("studyhall-jobs-dead", [{ id: "m1", timestamp: new Date(), attempts: 1, body: deadLettered[0]! }]);
    const ctx = createExecutionContext();
    await worker.queue(batch as MessageBatch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["m1"]);
    const events = await db().select().from(jobEvents).where(eq(jobEvents.jobId, id)).orderBy(jobEvents.at);
    expect(events.map((e) => e.type)).toContain("dead-lettered");
    expect(await jobRow(id)).toMatchObject({ status: "failed", attempts: 1, error: { type: "/problems/bad-payload" } });

    // Running it again would fail the same way, so a retry is refused.
    const problem = await expectProblem(await call(`/v1/jobs/${id}/retry`, { token: owner.token, method: "POST" }), 409, "conflict");
    expect(problem.detail).toContain("failed permanently: The job's input is invalid");
  });

  it("records every attempt in the job's history", async () => {
    const owner = await newOrg();
    const job = await newJob(owner);
    let runs = 0;
    const secondTimeLucky: JobHandler = async (ctx) => {
      await ctx.progress(50, "half way");
      if (++runs === 1) throw new Error("first attempt fails");
      return { ok: true };
    };
    await runJob(message(job), deps({ [WORK]: secondTimeLucky }));
    await skipWait(job.id);
    await runJob(message(job), deps({ [WORK]: secondTimeLucky }));
    const events = await db().select().from(jobEvents).where(eq(jobEvents.jobId, job.id)).orderBy(jobEvents.at);
    expect(events.map((e) => `${e.type}:${e.attempt}`)).toEqual([
      "started:1",
      "progress:1",
      "retrying:1",
      "started:2",
      "progress:2",
      "completed:2",
    ]);
    expect(await jobRow(job.id)).toMatchObject({ status: "completed", result: { ok: true }, error: null });
  });
});

describe("the dead-letter queue", () => {
  it("marks a job failed when the queue gives up on its message, and leaves a finished job alone", async () => {
    const owner = await newOrg();
    const stuck = await newJob(owner);
    await claimJob(db(), stuck.id, 60_000);
    const done = await newJob(owner);
    await db().update(jobs).set({ status: "completed", progress: 100 }).where(eq(jobs.id, done.id));

    const batch = createMessageBatch("studyhall-jobs-dead", [
      { id: "m1", timestamp: new Date(), attempts: 11, body: message(stuck) },
      { id: "m2", timestamp: new Date(), attempts: 1, body: message(done) },
      { id: "m3", timestamp: new Date(), attempts: 1, body: { not: "a job" } as unknown as JobMessage },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch as MessageBatch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["m1", "m2", "m3"]);
    expect(await jobRow(stuck.id)).toMatchObject({ status: "failed", error: { type: "/problems/job-dead-lettered" } });
    expect((await jobRow(done.id)).status).toBe("completed");
  });
});

describe("waiting for the shared LLM limit", () => {
  it("defers the job without using up an attempt", async () => {
    const owner = await newOrg();
    const job = await newJob(owner, 2);
    let tries = 0;
    const waits: JobHandler = async () => {
      if (++tries <= 3) throw new DeferJob(15_000, "waiting for the shared LLM rate limit");
      return { done: true };
    };
    for (let i = 0; i < 3; i++) {
      const outcome = await runJob(message(job), deps({ [WORK]: waits }));
      expect(outcome).toEqual({ retryInSeconds: 15, lane: "normal" });
      expect(await jobRow(job.id)).toMatchObject({ status: "queued", attempts: 0, stage: "waiting for the shared LLM rate limit" });
      await skipWait(job.id);
    }
    // Three waits, and a job allowed only two attempts still gets to run.
    await runJob(message(job), deps({ [WORK]: waits }));
    expect(await jobRow(job.id)).toMatchObject({ status: "completed", attempts: 1 });
  });

  it("the gate refuses past the requests-per-minute limit and says how long to wait", async () => {
    const gate = objects(env).llmGate.getByName(`test-${crypto.randomUUID()}`);
    const limits = { orgId: "one-organisation", requestsPerMinute: 3, tokensPerMinute: 1_000_000, estimatedTokens: 10 };
    for (let i = 0; i < 3; i++) expect((await gate.acquire(limits)).granted).toBe(true);
    const refused = await gate.acquire(limits);
    expect(refused.granted).toBe(false);
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(50_000);
  });

  it("the gate refuses past the tokens-per-minute limit", async () => {
    const gate = objects(env).llmGate.getByName(`test-${crypto.randomUUID()}`);
    const limits = { orgId: "one-organisation", requestsPerMinute: 100, tokensPerMinute: 10_000, estimatedTokens: 4_000 };
    expect((await gate.acquire(limits)).granted).toBe(true);
    expect((await gate.acquire(limits)).granted).toBe(true);
    expect((await gate.acquire(limits)).granted).toBe(false);
  });
});

describe("cancellation", () => {
  it("a queued job that is cancelled never starts", async () => {
    const owner = await newOrg();
    const job = await newJob(owner);
    const { requestCancel } = await import("@studyhall/db");
    await requestCancel(db(), job.id);
    let ran = false;
    await runJob(
      message(job),
      deps({
        [WORK]: async () => {
          ran = true;
        },
      }),
    );
    expect(ran).toBe(false);
    expect(await jobRow(job.id)).toMatchObject({ status: "cancelled", startedAt: null, attempts: 0 });
  });

  it("an active job stops at its next checkpoint", async () => {
    const owner = await newOrg();
    const job = await newJob(owner);
    const { requestCancel } = await import("@studyhall/db");
    let reachedEnd = false;
    const long: JobHandler = async (ctx) => {
      await ctx.progress(10, "step 1");
      await requestCancel(db(), job.id); // the owner cancels while it runs
      await ctx.progress(20, "step 2");
      reachedEnd = true;
    };
    expect(await runJob(message(job), deps({ [WORK]: long }))).toBe("ack");
    expect(reachedEnd).toBe(false);
    expect(await jobRow(job.id)).toMatchObject({ status: "cancelled", progress: 10 });
  });
});

describe("abandoned jobs", () => {
  it("a job whose handler waits longer than a lease without reporting progress keeps its lease: no second consumer takes it", async () => {
    const owner = await newOrg();
    const job = await newJob(owner);
    const short = { ...config, JOB_LEASE_SECONDS: 1 };
    let rival: Awaited<ReturnType<typeof claimJob>> | undefined;
    // A slow model call: no progress for several leases, then a redelivered message asks for the job.
    const slow: JobHandler = async () => {
      await new Promise((resolve) => setTimeout(resolve, 3500));
      rival = await claimJob(db(), job.id, 1000, Date.now());
      return { ok: true };
    };
    expect(await runJob(message(job), deps({ [WORK]: slow }, { config: short }))).toBe("ack");
    expect(rival).toMatchObject({ claimed: false, reason: "busy" });
    expect(await jobRow(job.id)).toMatchObject({ status: "completed", attempts: 1 });
  });

  it("a job whose consumer died mid-way is resent by the sweep once its lease expires, and completes once", async () => {
    const owner = await newOrg();
    const job = await newJob(owner);
    const effects: string[] = [];
    const stepwise: JobHandler = async (ctx) => {
      for (const step of ["a", "b", "c"]) {
        if (!effects.includes(step)) effects.push(step); // each step is a checkpointed, idempotent effect
        await ctx.progress(effects.length * 30, `step ${step}`);
        if (step === "b" && dieAtB) throw new Error("never reached: the consumer dies here");
      }
      return { steps: effects.length };
    };
    let dieAtB = true;
    // The consumer takes the job, gets half way, and vanishes: no error recorded, no acknowledgement.
    const claim = await claimJob(db(), job.id, config.JOB_LEASE_SECONDS * 1000);
    expect(claim.claimed).toBe(true);
    effects.push("a", "b");
    const queues = laneQueues(env);

    // Meanwhile a duplicate message does nothing: the lease is still held.
    expect(await runJob(message(job), deps({ [WORK]: stepwise }))).toBe("ack");
    expect(effects).toEqual(["a", "b"]);
    expect(await sweep(db(), queues, config)).not.toContain(job.id);

    // After the lease expires, the sweep sends it again and the next delivery resumes it.
    const later = Date.now() + (config.JOB_LEASE_SECONDS + 1) * 1000;
    expect(await sweep(db(), queues, config, later)).toContain(job.id);
    dieAtB = false;
    await runJob(message(job), deps({ [WORK]: stepwise }, { now: () => later }));
    expect(effects).toEqual(["a", "b", "c"]);
    expect(await jobRow(job.id)).toMatchObject({ status: "completed", attempts: 2, result: { steps: 3 } });
    // And a late redelivery of the original message changes nothing.
    await runJob(message(job), deps({ [WORK]: stepwise }, { now: () => later }));
    expect(effects).toEqual(["a", "b", "c"]);
  });

  it("a job written but never sent is sent by the sweep", async () => {
    const owner = await newOrg();
    const job = await newJob(owner);
    const soon = Date.now() + 1000;
    expect(await sweep(db(), laneQueues(env), config, soon)).not.toContain(job.id);
    const later = Date.now() + (config.JOB_UNSENT_AFTER_SECONDS + 1) * 1000;
    expect(await sweep(db(), laneQueues(env), config, later)).toContain(job.id);
    expect((await jobRow(job.id)).sentAt).not.toBeNull();
    // Once sent, it is not sent again until it looks lost.
    expect(await sweep(db(), laneQueues(env), config, later + 1000)).not.toContain(job.id);
  });

  it("a job that keeps killing its consumer ends failed instead of looping", async () => {
    const owner = await newOrg();
    const job = await newJob(owner, 2);
    let now = Date.now();
    for (let i = 0; i < 2; i++) {
      await claimJob(db(), job.id, 1000, now); // a consumer takes it and dies
      now += 5000;
    }
    const { env: recording, deadLettered } = recordingEnv();
    await runJob(message(job), deps({ [WORK]: async () => ({}) }, { env: recording, now: () => now }));
    expect(await jobRow(job.id)).toMatchObject({ status: "failed", error: { type: "/problems/job-crashed" } });
    expect(deadLettered).toHaveLength(1);
  });
});
