/**
 * Recovery without a cron trigger: the JobSweeper object's alarm sweeps, sets
 * the next alarm, and finds the jobs whose message is gone; `ensure()` keeps
 * one schedule however often it is called, and sweeps at once after the object
 * (and with it, locally, the in-memory queue) restarted.
 */
import {
  createExecutionContext,
  createMessageBatch,
  env,
  evictDurableObject,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { type JobMessage, loadConfig } from "@studyhall/core";
import { claimJob, insertJob, type Job, jobs } from "@studyhall/db";
import { JOB_SWEEPER_NAME, objects } from "@studyhall/objects";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BASE, call, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { failingQueue, recordingQueue } from "../../../test/helpers/failing-bindings.ts";
import { withBindings } from "../../../test/helpers/with-bindings.ts";
import worker from "../src/index.ts";
import { corpusPdf, db, deliver, jobRow } from "./run-jobs.ts";

const config = loadConfig(env);

/** A sweeper of its own per test, so no other test's calls have set its alarm or run its start-up sweep. */
const sweeperNamed = (name: string) => objects(env).jobSweeper.getByName(name);
const made: ReturnType<typeof sweeperNamed>[] = [];
const freshSweeper = () => {
  const stub = sweeperNamed(`test-${crypto.randomUUID()}`);
  made.push(stub);
  return stub;
};
const alarmOf = (stub: ReturnType<typeof freshSweeper>) => runInDurableObject(stub, (_, state) => state.storage.getAlarm());

// A sweeper left with its alarm set would sweep again later, in another test's time: after an eviction that sweep
// is a start-up sweep, and it resends every job another test sent before it.
afterEach(async () => {
  for (const stub of made.splice(0)) await runInDurableObject(stub, (_, state) => state.storage.deleteAlarm());
});

async function queuedJob(sentAt: Date | null, createdAt = new Date()): Promise<Job> {
  const owner = await newOrg();
  const id = crypto.randomUUID();
  const payload = { exportId: crypto.randomUUID(), courseId: crypto.randomUUID(), format: "json" } as const;
  await insertJob(db(), { id, orgId: owner.orgId, ownerId: owner.id, kind: "export-course", lane: "normal", payload, maxAttempts: 4 });
  await db().update(jobs).set({ sentAt, createdAt }).where(eq(jobs.id, id));
  return jobRow(id);
}

describe("the JobSweeper object", () => {
  it("its alarm sends a job that was written but never sent, and sets the next alarm", async () => {
    const sweeper = freshSweeper();
    await sweeper.ensure();
    const job = await queuedJob(null, new Date(Date.now() - (config.JOB_UNSENT_AFTER_SECONDS + 5) * 1000));
    const before = Date.now();
    expect(await runDurableObjectAlarm(sweeper)).toBe(true);
    expect((await jobRow(job.id)).sentAt?.getTime()).toBeGreaterThanOrEqual(before);
    // The chain goes on by itself: the alarm set the next one, an interval on.
    const next = await alarmOf(sweeper);
    expect(next).toBeGreaterThanOrEqual(before + config.JOB_SWEEP_INTERVAL_SECONDS * 1000);
    expect(await runDurableObjectAlarm(sweeper)).toBe(true);
    expect(await alarmOf(sweeper)).not.toBeNull();
  });

  it("its alarm sends again a parse whose consumer died once the lease expires, and the parse then completes once", async () => {
    const admin = await newOrg();
    const teacher = await newMember(admin, "teacher");
    const accepted = await json(
      await call("/v1/documents", {
        token: teacher.token,
        body: await corpusPdf("tracemonkey.pdf"),
        headers: { "Content-Type": "application/pdf" },
      }),
    );
    const jobId: string = accepted.job.id;
    // A consumer took it and died with the process: its lease (already over) is all that is left of it.
    expect((await claimJob(db(), jobId, 1000, Date.now() - 5000)).claimed).toBe(true);
    const sweeper = freshSweeper();
    await sweeper.ensure();
    const before = Date.now();
    await runDurableObjectAlarm(sweeper);
    expect((await jobRow(jobId)).sentAt?.getTime()).toBeGreaterThanOrEqual(before);

    await deliver(jobId);
    expect(await jobRow(jobId)).toMatchObject({ status: "completed", attempts: 2 });
    const document = await json(await call(`/v1/documents/${accepted.document.id}`, { token: teacher.token }));
    expect(document).toMatchObject({ status: "parsed", pageCount: 14 });
    // The lost message turning up after all changes nothing.
    await deliver(jobId);
    expect(await jobRow(jobId)).toMatchObject({ status: "completed", attempts: 2 });
  });

  it("ensure() sets one alarm however often it is called, and never postpones it", async () => {
    const sweeper = freshSweeper();
    expect(await alarmOf(sweeper)).toBeNull();
    const states = await Promise.all(Array.from({ length: 5 }, () => sweeper.ensure()));
    const first = states[0]!.nextSweepAt;
    expect(states.map((s) => s.nextSweepAt)).toEqual(Array(5).fill(first));
    for (let i = 0; i < 3; i++) expect((await sweeper.ensure()).nextSweepAt).toBe(first);
    expect(await alarmOf(sweeper)).toBe(first);
  });

  it("sweeps at once after it starts, resending queued jobs sent before then, whose in-memory messages a restart lost", async () => {
    const sweeper = freshSweeper();
    await sweeper.ensure();
    // The platform's own sweeper may start at any moment (a queue batch the runtime delivers calls `ensure()`), and its
    // start-up sweep would resend this job too: it is started first, so only this test's sweeper can.
    await sweeperNamed(JOB_SWEEPER_NAME).ensure();
    // Sent just now, far from stale: only a restart makes its message lost.
    const job = await queuedJob(new Date());
    expect((await sweeper.ensure()).resent).not.toContain(job.id);
    await runDurableObjectAlarm(sweeper);
    expect((await jobRow(job.id)).sentAt?.getTime()).toBe(job.sentAt?.getTime());

    await evictDurableObject(sweeper);
    const restarted = await sweeper.ensure();
    expect(restarted.resent).toContain(job.id);
    expect((await jobRow(job.id)).sentAt!.getTime()).toBeGreaterThan(job.sentAt!.getTime());
    // Only the start-up sweep does that: the next call finds nothing of the kind.
    expect((await sweeper.ensure()).resent).toEqual([]);
  });

  it("a job the start-up sweep resends while it waits out a retry delay keeps its delay and its attempts", async () => {
    const sweeper = freshSweeper();
    await sweeper.ensure();
    const job = await queuedJob(new Date());
    const runAfter = new Date(Date.now() + 60_000);
    await db().update(jobs).set({ runAfter, attempts: 1 }).where(eq(jobs.id, job.id));
    await evictDurableObject(sweeper);
    expect((await sweeper.ensure()).resent).toContain(job.id);
    // The duplicate arrives at once; it is not due, so it only comes back later.
    expect((await deliver(job.id)).explicitAcks).toHaveLength(1); // handed back as a new message, delayed until it is due
    expect(await jobRow(job.id)).toMatchObject({ status: "queued", attempts: 1, runAfter });
  });
});

/**
 * The API worker's fetch, loaded by a path TypeScript does not follow: this project is type-checked with the
 * jobs worker's bindings, the API worker's sources with their own. It is the module SELF already runs.
 */
const API_WORKER = "../../api/src/index.ts";
type ApiWorker = { fetch(request: Request, env: unknown, ctx: ExecutionContext): Promise<Response> };
const apiWorker = async () => ((await import(/* @vite-ignore */ API_WORKER)) as { default: ApiWorker }).default;

describe("a job whose queue send failed", () => {
  it("the upload is still accepted (202), the cron's sweep sends the job later, and the job completes", async () => {
    const teacher = await newMember(await newOrg(), "teacher");
    vi.spyOn(console, "error").mockImplementation(() => {});
    const refusing = failingQueue(env.JOBS_NORMAL);
    const ctx = createExecutionContext();
    const response = await (await apiWorker()).fetch(
      new Request(`${BASE}/v1/documents?generate=false`, {
        method: "POST",
        headers: { Authorization: `Bearer ${teacher.token}`, "CF-Connecting-IP": teacher.ip, "Content-Type": "application/pdf" },
        body: await corpusPdf("nested_outline.pdf"),
      }),
      withBindings(env, { JOBS_NORMAL: refusing.binding }),
      ctx,
    );
    await waitOnExecutionContext(ctx);
    vi.restoreAllMocks();

    expect(refusing.failures).toBe(1);
    expect(response.status).toBe(202);
    const accepted = await json(response);
    const jobPath = accepted.links.status as string;
    expect((await json(await call(jobPath, { token: teacher.token }))).status).toBe("queued");

    // The jobs worker's cron, told to send unsent jobs at once instead of after 30 s.
    const lane = recordingQueue(env.JOBS_NORMAL as Queue<JobMessage>);
    await worker.scheduled(
      { scheduledTime: Date.now(), cron: "* * * * *", noRetry() {} },
      withBindings(env as unknown as JobsEnv, { JOB_UNSENT_AFTER_SECONDS: "0", JOBS_NORMAL: lane.binding }),
    );
    const message = lane.sent.find((m) => m.jobId === accepted.job.id);
    expect(message).toEqual({ jobId: accepted.job.id, kind: "parse-document" });

    // The message the sweep sent, delivered as the queue would.
    const batch = createMessageBatch("studyhall-jobs-normal", [
      { id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: message },
    ]);
    const consumer = createExecutionContext();
    await worker.queue(batch as MessageBatch<JobMessage>, env as unknown as JobsEnv, consumer);
    await getQueueResult(batch, consumer);

    expect(await json(await call(jobPath, { token: teacher.token }))).toMatchObject({ status: "completed", attempts: 1, error: null });
    expect((await json(await call(`/v1/documents/${accepted.document.id}`, { token: teacher.token }))).status).toBe("parsed");
  });
});
