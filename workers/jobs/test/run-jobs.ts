/**
 * Drives the jobs worker through its real `queue` entry point, the way the
 * queue would: one message per job, and the outcome read back with
 * `getQueueResult`. Delays (backoff, deferrals) are fast-forwarded by moving
 * `run_after` to now, which is what their elapsing amounts to.
 */

import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { type Job, jobs } from "@studyhall/db";
import { eq } from "drizzle-orm";
import { expect } from "vitest";
import { type Actor, call, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { testDb } from "../../../test/helpers/test-db.ts";
import worker from "../src/index.ts";

export const db = testDb;
const laneQueue = { high: "studyhall-jobs-high", normal: "studyhall-jobs-normal", low: "studyhall-jobs-low" } as const;

export async function jobRow(jobId: string): Promise<Job> {
  const job = await db().query.jobs.findFirst({ where: eq(jobs.id, jobId) });
  if (!job) throw new Error(`no job ${jobId}`);
  return job;
}

/** Delivers one message for a job, as the queue would, and returns the queue's view of the outcome; `env` replaces the worker's bindings (a remote model, say). */
export async function deliver(jobId: string, options: { queue?: string; attempts?: number; env?: JobsEnv } = {}) {
  const job = await jobRow(jobId);
  const batch = createMessageBatch(options.queue ?? laneQueue[job.lane], [
    { id: crypto.randomUUID(), timestamp: new Date(), attempts: options.attempts ?? 1, body: { jobId, kind: job.kind } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch, options.env ?? (env as unknown as JobsEnv), ctx);
  return getQueueResult(batch, ctx);
}

/** Lets a job's wait elapse. */
export async function skipWait(jobId: string): Promise<void> {
  await db().update(jobs).set({ runAfter: null }).where(eq(jobs.id, jobId));
}

const FINISHED = new Set(["completed", "failed", "cancelled"]);

/** Delivers a job's messages until it has finished, skipping its waits; returns it and how many deliveries it took. */
export async function runToEnd(
  jobId: string,
  maxDeliveries = 20,
  options: { env?: JobsEnv } = {},
): Promise<{ job: Job; deliveries: number }> {
  for (let deliveries = 1; deliveries <= maxDeliveries; deliveries++) {
    await deliver(jobId, options);
    const job = await jobRow(jobId);
    if (FINISHED.has(job.status)) return { job, deliveries };
    await skipWait(jobId);
  }
  throw new Error(`job ${jobId} did not finish in ${maxDeliveries} deliveries`);
}

/** The PDF corpus, served to tests by the vitest config. */
/** A parse job of the low lane for `admin`'s organisation, as the upload route would write it. */
export const lowLaneJob = (admin: Actor) => ({
  id: crypto.randomUUID(),
  orgId: admin.orgId,
  ownerId: admin.id,
  kind: "parse-document" as const,
  lane: "low" as const,
  payload: { documentId: crypto.randomUUID() },
  maxAttempts: 4,
});

export async function corpusPdf(name: string): Promise<Uint8Array> {
  const response = await fetch(`https://corpus.test/${name}`);
  if (!response.ok) throw new Error(`corpus file ${name}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** A teacher of a new organisation (and its admin) with a parsed paper. */
export async function teacherWithPaper(): Promise<{ admin: Actor; teacher: Actor; documentId: string }> {
  const admin = await newOrg();
  const teacher = await newMember(admin, "teacher");
  const accepted = await json(
    await call("/v1/documents?generate=false", {
      token: teacher.token,
      body: await corpusPdf("tracemonkey.pdf"),
      headers: { "Content-Type": "application/pdf" },
    }),
  );
  expect((await runToEnd(accepted.job.id)).job.status).toBe("completed");
  return { admin, teacher, documentId: accepted.document.id };
}
