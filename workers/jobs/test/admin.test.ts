/** The queue dashboard's API: what admins and operators see, and what admins can steer. */
import { describe, expect, it } from "vitest";
import { type Actor, call, expectProblem, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { deliver, jobRow, runToEnd } from "./run-jobs.ts";

async function upload(actor: Actor, name: string) {
  const bytes = await (await fetch(`https://corpus.test/${name}`)).arrayBuffer();
  return json(
    await call(`/v1/documents?generate=false`, {
      token: actor.token,
      body: new Uint8Array(bytes),
      headers: { "Content-Type": "application/pdf" },
    }),
  );
}

async function operatorOf(admin: Actor): Promise<Actor> {
  return newMember(admin, "operator" as never, "operator");
}

describe("queue dashboard data", () => {
  it("shows per-lane counts, throughput and failure rate for the organisation only", async () => {
    const admin = await newOrg();
    const teacher = await newMember(admin, "teacher");
    const ok = await upload(teacher, "tracemonkey.pdf");
    const bad = await upload(teacher, "encrypted-attachment.pdf");
    await upload(teacher, "issue925.pdf"); // stays waiting
    await runToEnd(ok.job.id);
    await runToEnd(bad.job.id);
    const stats = await json(await call("/v1/admin/queues", { token: admin.token }));
    const normal = stats.lanes.find((l: { lane: string }) => l.lane === "normal");
    expect(normal).toMatchObject({ waiting: 1, active: 0, completed: 1, failed: 1, paused: false, failureRate: 0.5 });
    expect(normal.throughputPerMinute).toBeGreaterThan(0);
    expect(normal.p50Seconds).toBeGreaterThanOrEqual(0);
    // Another organisation's admin sees none of it.
    const other = await newOrg();
    const theirs = await json(await call("/v1/admin/queues", { token: other.token }));
    expect(
      theirs.lanes.every((l: { completed: number; failed: number; waiting: number }) => l.completed + l.failed + l.waiting === 0),
    ).toBe(true);
  });

  it("filters jobs by status, kind, owner and text, and shows a job's attempts and history", async () => {
    const admin = await newOrg();
    const teacher = await newMember(admin, "teacher");
    const bad = await upload(teacher, "encrypted-attachment.pdf");
    const good = await upload(teacher, "tracemonkey.pdf");
    await runToEnd(bad.job.id);
    const failed = await json(
      await call(`/v1/admin/jobs?status=failed&owner=${encodeURIComponent(teacher.email)}`, { token: admin.token }),
    );
    expect(failed.items.map((j: { id: string }) => j.id)).toEqual([bad.job.id]);
    expect(failed.items[0].owner.email).toBe(teacher.email);
    const byError = await json(await call("/v1/admin/jobs?q=password", { token: admin.token }));
    expect(byError.items.map((j: { id: string }) => j.id)).toEqual([bad.job.id]);
    const byTitle = await json(
      await call(`/v1/admin/jobs?q=${encodeURIComponent(good.document.title.slice(0, 6))}`, { token: admin.token }),
    );
    expect(byTitle.items.map((j: { id: string }) => j.id)).toContain(good.job.id);

    const detail = await json(await call(`/v1/admin/jobs/${bad.job.id}`, { token: admin.token }));
    expect(detail.payload).toMatchObject({ documentId: bad.document.id });
    expect(detail.attemptsLog).toEqual([
      expect.objectContaining({ attempt: 1, outcome: "failed", error: expect.objectContaining({ type: "/problems/pdf-encrypted" }) }),
    ]);
    expect(detail.events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(["started", "progress", "failed"]));
  });

  it("operators may look but not act; teachers and students may not look", async () => {
    const admin = await newOrg();
    const operator = await operatorOf(admin);
    const teacher = await newMember(admin, "teacher");
    const job = await upload(teacher, "tracemonkey.pdf");
    expect((await call("/v1/admin/queues", { token: operator.token })).status).toBe(200);
    expect((await call(`/v1/admin/jobs/${job.job.id}`, { token: operator.token })).status).toBe(200);
    await expectProblem(await call(`/v1/admin/jobs/${job.job.id}/cancel`, { token: operator.token, method: "POST" }), 403);
    await expectProblem(await call("/v1/admin/lanes/low/pause", { token: operator.token, method: "POST" }), 403);
    await expectProblem(await call("/v1/admin/queues", { token: teacher.token }), 403);
    // An admin of another organisation cannot see or touch the job.
    const other = await newOrg();
    await expectProblem(await call(`/v1/admin/jobs/${job.job.id}`, { token: other.token }), 404);
    await expectProblem(await call(`/v1/admin/jobs/${job.job.id}/cancel`, { token: other.token, method: "POST" }), 404);
  });
});

describe("queue dashboard actions", () => {
  it("retries every failed job that can succeed, and cleans completed jobs older than N hours", async () => {
    const admin = await newOrg();
    const teacher = await newMember(admin, "teacher");
    // Two that failed for a reason a retry can fix (the queue gave up delivering them), one that failed for good.
    const bad1 = await upload(teacher, "issue925.pdf");
    const bad2 = await upload(teacher, "issue3371.pdf");
    const locked = await upload(teacher, "encrypted-attachment.pdf");
    const good = await upload(teacher, "tracemonkey.pdf");
    for (const id of [bad1.job.id, bad2.job.id]) await deliver(id, { queue: "studyhall-jobs-dead", attempts: 11 });
    for (const id of [locked.job.id, good.job.id]) await runToEnd(id);
    const retried = await json(await call("/v1/admin/jobs/retry-failed", { token: admin.token, body: { kind: "parse-document" } }));
    expect(retried.jobIds.sort()).toEqual([bad1.job.id, bad2.job.id].sort());
    expect((await jobRow(bad1.job.id)).status).toBe("queued");
    expect(retried.failedPermanently).toEqual([locked.job.id]);
    expect((await jobRow(locked.job.id)).status).toBe("failed");

    const notYet = await json(await call("/v1/admin/jobs/clean", { token: admin.token, body: { olderThanHours: 1 } }));
    expect(notYet.count).toBe(0);
    const cleaned = await json(await call("/v1/admin/jobs/clean", { token: admin.token, body: { olderThanHours: 0 } }));
    expect(cleaned.jobIds).toEqual([good.job.id]);
    await expectProblem(await call(`/v1/jobs/${good.job.id}`, { token: teacher.token }), 404);
  });

  it("a paused lane takes nothing new and loses nothing; resumed, the job runs", async () => {
    const admin = await newOrg();
    const teacher = await newMember(admin, "teacher");
    const job = await upload(teacher, "tracemonkey.pdf");
    expect((await json(await call("/v1/admin/lanes/normal/pause", { token: admin.token, method: "POST" }))).paused).toBe(true);
    try {
      const result = await deliver(job.job.id);
      expect(result.explicitAcks).toHaveLength(1); // parked until the resume sends it
      expect(await jobRow(job.job.id)).toMatchObject({ status: "queued", attempts: 0, startedAt: null });
      expect(
        (await json(await call("/v1/admin/queues", { token: admin.token }))).lanes.find((l: { lane: string }) => l.lane === "normal")
          .paused,
      ).toBe(true);
    } finally {
      await call("/v1/admin/lanes/normal/resume", { token: admin.token, method: "POST" });
    }
    const done = await runToEnd(job.job.id);
    expect(done.job.status).toBe("completed");
  });

  it("requeues what reached the dead-letter queue", async () => {
    const admin = await newOrg();
    const teacher = await newMember(admin, "teacher");
    const job = await upload(teacher, "tracemonkey.pdf");
    await deliver(job.job.id, { queue: "studyhall-jobs-dead", attempts: 11 });
    expect((await jobRow(job.job.id)).status).toBe("failed");
    const dead = await json(await call("/v1/admin/jobs?deadLettered=true", { token: admin.token }));
    expect(dead.items.map((j: { id: string }) => j.id)).toEqual([job.job.id]);
    const requeued = await json(await call("/v1/admin/jobs/retry-failed", { token: admin.token, body: { deadLetteredOnly: true } }));
    expect(requeued.jobIds).toEqual([job.job.id]);
    expect((await runToEnd(job.job.id)).job.status).toBe("completed");
  });
});
