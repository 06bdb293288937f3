/**
 * Recovery without a cron trigger: the JobSweeper object's alarm sweeps, sets
 * the next alarm, and finds the jobs whose message is gone; `ensure()` keeps
 * one schedule however often it is called, and sweeps at once after the object
 * (and with it, locally, the in-memory queue) restarted.
 */
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { loadConfig } from "@studyhall/core";
import { claimJob, insertJob, type Job, jobs } from "@studyhall/db";
import { objects } from "@studyhall/objects";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { call, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { corpusPdf, db, deliver, jobRow } from "./run-jobs.ts";

const config = loadConfig(env);

/** A sweeper of its own per test, so no other test's calls have set its alarm or run its start-up sweep. */
const freshSweeper = () => objects(env).jobSweeper.getByName(`test-${crypto.randomUUID()}`);
const alarmOf = (stub: ReturnType<typeof freshSweeper>) => runInDurableObject(stub, (_, state) => state.storage.getAlarm());

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
