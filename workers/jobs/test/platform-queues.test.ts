/**
 * Dead letters across tenants: an organisation's admin sees and requeues
 * only their own organisation's, and cannot reach the platform's routes;
 * a platform operator lists and requeues any organisation's, by organisation,
 * kind or lane.
 */
import { describe, expect, it } from "vitest";
import { type Actor, call, expectProblem, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { platformOperator } from "../../../test/helpers/platform.ts";
import { corpusPdf, deliver, jobRow, runToEnd } from "./run-jobs.ts";

/** An upload whose job the queue gave up on: failed and recorded as dead-lettered. */
async function deadLetteredUpload(actor: Actor): Promise<string> {
  const response = await call("/v1/documents?generate=false", {
    token: actor.token,
    body: await corpusPdf("tracemonkey.pdf"),
    headers: { "Content-Type": "application/pdf" },
  });
  const { job } = await json(response);
  await deliver(job.id, { queue: "studyhall-jobs-dead", attempts: 11 });
  expect((await jobRow(job.id)).status).toBe("failed");
  return job.id;
}

const ids = (list: { items: { id: string }[] }) => list.items.map((j) => j.id);

describe("dead letters of another organisation", () => {
  it("are invisible to an organisation's admin, and out of reach of their bulk requeue", async () => {
    const victim = await newOrg("victim");
    const teacher = await newMember(victim, "teacher");
    const theirs = await deadLetteredUpload(teacher);
    const attacker = await newOrg("attacker");

    expect(ids(await json(await call("/v1/admin/jobs?deadLettered=true", { token: attacker.token })))).toEqual([]);
    await expectProblem(await call(`/v1/admin/jobs/${theirs}`, { token: attacker.token }), 404);
    expect(await json(await call("/v1/admin/jobs/retry-failed", { token: attacker.token, body: { deadLetteredOnly: true } }))).toEqual({
      count: 0,
      jobIds: [],
      quotaExceeded: [],
      failedPermanently: [],
    });
    await expectProblem(
      await call("/v1/platform/jobs/requeue-dead", { token: attacker.token, body: { orgId: victim.orgId } }),
      403,
      "forbidden",
    );
    await expectProblem(await call(`/v1/platform/jobs?orgId=${victim.orgId}`, { token: attacker.token }), 403, "forbidden");
    expect((await jobRow(theirs)).status).toBe("failed");

    // Their own admin still sees and requeues them.
    expect(ids(await json(await call("/v1/admin/jobs?deadLettered=true", { token: victim.token })))).toEqual([theirs]);
  });
});

describe("the platform's dead letters", () => {
  it("a platform operator lists every organisation's and requeues one organisation's, which then run", async () => {
    const ops = await platformOperator();
    const first = await newOrg();
    const second = await newOrg();
    const firstJob = await deadLetteredUpload(first);
    const secondJob = await deadLetteredUpload(second);

    const listed = await json(await call("/v1/platform/jobs?deadLettered=true&limit=200", { token: ops.token }));
    expect(ids(listed)).toEqual(expect.arrayContaining([firstJob, secondJob]));
    expect(listed.items.find((j: { id: string }) => j.id === firstJob)).toMatchObject({
      orgId: first.orgId,
      owner: { id: first.id },
      status: "failed",
    });
    expect(ids(await json(await call(`/v1/platform/jobs?orgId=${second.orgId}`, { token: ops.token })))).toEqual([secondJob]);

    const requeued = await json(
      await call("/v1/platform/jobs/requeue-dead", { token: ops.token, body: { orgId: first.orgId, kind: "parse-document" } }),
    );
    expect(requeued).toEqual({ count: 1, jobIds: [firstJob], quotaExceeded: [], failedPermanently: [] });
    expect((await jobRow(secondJob)).status).toBe("failed");
    expect((await runToEnd(firstJob)).job.status).toBe("completed");

    // Without a filter, every organisation's remaining dead letters go back.
    const rest = await json(await call("/v1/platform/jobs/requeue-dead", { token: ops.token, body: {} }));
    expect(rest.jobIds).toContain(secondJob);
    expect(rest.jobIds).not.toContain(firstJob);
  });

  it("platform statistics count every organisation's jobs", async () => {
    const ops = await platformOperator();
    const before = (await json(await call("/v1/platform/queues", { token: ops.token }))).lanes.find(
      (l: { lane: string }) => l.lane === "normal",
    );
    const org = await newOrg();
    await deadLetteredUpload(org);
    const after = (await json(await call("/v1/platform/queues", { token: ops.token }))).lanes.find(
      (l: { lane: string }) => l.lane === "normal",
    );
    expect(after.failed).toBe(before.failed + 1);
    expect(
      (await json(await call("/v1/admin/queues", { token: org.token }))).lanes.find((l: { lane: string }) => l.lane === "normal").failed,
    ).toBe(1);
  });
});
