/**
 * Lane pauses are scoped: an organisation's admin holds only that
 * organisation's jobs (a stranger who registers an organisation cannot stall
 * anyone else's queues), and only platform operators hold or release a lane
 * for everyone. A held job waits without spending an attempt.
 */
import { env } from "cloudflare:test";
import { loadConfig } from "@studyhall/core";
import { insertJob, laneQueues, markSent, parkHeld, setLanePaused, wakeLane } from "@studyhall/db";
import { describe, expect, it } from "vitest";
import { type Actor, call, expectProblem, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { recordingQueue } from "../../../test/helpers/failing-bindings.ts";
import { platformOperator } from "../../../test/helpers/platform.ts";
import { withBindings } from "../../../test/helpers/with-bindings.ts";
import { sweep } from "../src/sweep.ts";
import { corpusPdf, db, deliver, jobRow, lowLaneJob, runToEnd } from "./run-jobs.ts";

const config = loadConfig(env);

async function upload(actor: Actor, query = "?generate=false") {
  const response = await call(`/v1/documents${query}`, {
    token: actor.token,
    body: await corpusPdf("tracemonkey.pdf"),
    headers: { "Content-Type": "application/pdf" },
  });
  expect(response.status).toBe(202);
  return json(response);
}

async function laneAs(actor: Actor, lane: string, path = "/v1/admin/queues") {
  return (await json(await call(path, { token: actor.token }))).lanes.find((l: { lane: string }) => l.lane === lane);
}

const switchLane = (actor: Actor, scope: "admin" | "platform", lane: string, action: "pause" | "resume") =>
  call(`/v1/${scope}/lanes/${lane}/${action}`, { token: actor.token, method: "POST" });

describe("an organisation's lane pause", () => {
  it("holds the pausing organisation's jobs only: another organisation's upload is parsed and its course generated meanwhile", async () => {
    const stranger = await newOrg("stranger");
    const school = await newOrg("school");
    const teacher = await newMember(school, "teacher");
    expect(await json(await switchLane(stranger, "admin", "normal", "pause"))).toEqual({
      lane: "normal",
      paused: true,
      pausedBy: "organisation",
    });
    try {
      const own = await upload(stranger);
      const theirs = await upload(teacher, "");

      // The school's upload goes all the way to a published course while the stranger's lane is paused.
      const parsed = await runToEnd(theirs.job.id);
      expect(parsed.job.status).toBe("completed");
      const generated = await runToEnd((parsed.job.result as { courseJobId: string }).courseJobId);
      expect(generated.job.status).toBe("completed");
      const course = await json(
        await call(`/v1/courses/${(generated.job.result as { courseId: string }).courseId}`, { token: teacher.token }),
      );
      expect(course.status).toBe("PUBLISHED");
      expect(await laneAs(school, "normal")).toMatchObject({ paused: false, pausedBy: null, completed: 2 });

      // The stranger's own job waits: parked with no message in flight, not started, no attempt spent.
      const result = await deliver(own.job.id);
      expect(result.explicitAcks).toHaveLength(1);
      expect(await jobRow(own.job.id)).toMatchObject({ status: "queued", attempts: 0, startedAt: null, sentAt: null });
      expect(await laneAs(stranger, "normal")).toMatchObject({ paused: true, pausedBy: "organisation", waiting: 1 });

      expect(await json(await switchLane(stranger, "admin", "normal", "resume"))).toEqual({
        lane: "normal",
        paused: false,
        pausedBy: null,
      });
      // Resuming sends the parked job at once.
      await expect.poll(async () => (await jobRow(own.job.id)).sentAt, { timeout: 5000 }).not.toBeNull();
      const done = await runToEnd(own.job.id);
      expect(done.job).toMatchObject({ status: "completed", attempts: 1 });
    } finally {
      await switchLane(stranger, "admin", "normal", "resume");
    }
  });

  it("keeps a held job out of the sweep until it is resumed, then it is sent", async () => {
    const admin = await newOrg();
    const job = lowLaneJob(admin);
    await insertJob(db(), job);
    const later = Date.now() + (config.JOB_UNSENT_AFTER_SECONDS + 1) * 1000;
    await switchLane(admin, "admin", "low", "pause");
    try {
      expect(await sweep(db(), laneQueues(env), config, later)).not.toContain(job.id);
    } finally {
      await switchLane(admin, "admin", "low", "resume");
    }
    const swept = await sweep(db(), laneQueues(env), config, later);
    // The resume's own wake-up (deferred, so it may come first) sends the lane's held jobs too; a job it
    // has already sent and noted is not the sweep's to send again.
    if (!swept.includes(job.id)) expect((await jobRow(job.id)).sentAt).not.toBeNull();
  });
});

/** The lane queues, each keeping every message sent through it, and the consumers' bindings with them. */
function recordingLanes() {
  const lanes = laneQueues(env);
  const [high, normal, low] = [lanes.high, lanes.normal, lanes.low].map((queue) => recordingQueue(queue));
  const queues = { high: high!.binding, normal: normal!.binding, low: low!.binding };
  return {
    sentIds: () => [high!, normal!, low!].flatMap((lane) => lane.sent.map((message) => message.jobId)),
    queues,
    env: withBindings(env as unknown as JobsEnv, { JOBS_HIGH: queues.high, JOBS_NORMAL: queues.normal, JOBS_LOW: queues.low }),
  };
}

describe("a held job", () => {
  it("costs no message while held: it is parked, however many times it is delivered, and a resume whose wake-up is lost leaves it to the sweep", async () => {
    const admin = await newOrg();
    const job = lowLaneJob(admin);
    await insertJob(db(), job);
    await markSent(db(), [job.id]);
    await switchLane(admin, "admin", "low", "pause");
    const counting = recordingLanes();
    try {
      for (let delivery = 0; delivery < 3; delivery++) {
        expect((await deliver(job.id, { env: counting.env })).explicitAcks).toHaveLength(1);
      }
      expect(counting.sentIds()).toEqual([]);
      expect(await jobRow(job.id)).toMatchObject({ status: "queued", attempts: 0, sentAt: null });
    } finally {
      // Lifted without its wake-up, as when the deferred wake-up is lost.
      await setLanePaused(db(), admin.orgId, "low", false, admin.id);
    }
    const later = Date.now() + (config.JOB_UNSENT_AFTER_SECONDS + 1) * 1000;
    expect(await sweep(db(), laneQueues(env), config, later)).toContain(job.id);
    expect((await jobRow(job.id)).sentAt).not.toBeNull();
  });

  it("is not parked while its lane is open", async () => {
    const admin = await newOrg();
    const job = lowLaneJob(admin);
    await insertJob(db(), job);
    await markSent(db(), [job.id]);
    // Open: nothing holds the lane, so there is nothing to park, and the consumer sends it again at once.
    expect(await parkHeld(db(), job.id)).toBeUndefined();
    expect((await jobRow(job.id)).sentAt).not.toBeNull();
  });

  it("a resume sends every held job of the lane exactly once, page after page, and no other organisation's", async () => {
    const admin = await newOrg();
    const other = await newOrg();
    const held = Array.from({ length: 5 }, () => lowLaneJob(admin));
    const others = [lowLaneJob(other)];
    for (const job of [...held, ...others]) await insertJob(db(), job);
    await setLanePaused(db(), admin.orgId, "low", true, admin.id);
    await setLanePaused(db(), other.orgId, "low", true, other.id);
    try {
      for (const job of [...held, ...others]) expect(await parkHeld(db(), job.id)).toEqual({ lane: "low" });
      await setLanePaused(db(), admin.orgId, "low", false, admin.id);
      const counting = recordingLanes();
      expect(await wakeLane(db(), counting.queues, admin.orgId, "low", 2)).toBe(5);
      expect(counting.sentIds().toSorted()).toEqual(held.map((j) => j.id).toSorted());
      for (const job of held) expect((await jobRow(job.id)).sentAt).not.toBeNull();
      expect((await jobRow(others[0]!.id)).sentAt).toBeNull();
    } finally {
      await setLanePaused(db(), admin.orgId, "low", false, admin.id);
      await setLanePaused(db(), other.orgId, "low", false, other.id);
    }
  });
});

describe("the platform's lane pause", () => {
  it("holds every organisation's jobs, and only a platform operator can lift it", async () => {
    const ops = await platformOperator();
    const first = await newOrg();
    const second = await newOrg();
    expect(await json(await switchLane(ops, "platform", "low", "pause"))).toEqual({ lane: "low", paused: true, pausedBy: "platform" });
    try {
      const jobs = [await upload(first, "?generate=false&priority=low"), await upload(second, "?generate=false&priority=low")];
      for (const { job } of jobs) {
        expect((await deliver(job.id)).explicitAcks).toHaveLength(1);
        expect(await jobRow(job.id)).toMatchObject({ status: "queued", attempts: 0, startedAt: null });
      }
      expect(await laneAs(first, "low")).toMatchObject({ paused: true, pausedBy: "platform" });

      // An organisation's admin can neither lift it through their own switch nor through the platform's.
      expect(await json(await switchLane(first, "admin", "low", "resume"))).toEqual({ lane: "low", paused: true, pausedBy: "platform" });
      await expectProblem(await switchLane(first, "platform", "low", "resume"), 403, "forbidden");
      await deliver(jobs[0]!.job.id);
      expect(await jobRow(jobs[0]!.job.id)).toMatchObject({ status: "queued", attempts: 0 });
      expect(await laneAs(ops, "low", "/v1/platform/queues")).toMatchObject({ paused: true, pausedBy: "platform" });

      expect(await json(await switchLane(ops, "platform", "low", "resume"))).toEqual({ lane: "low", paused: false, pausedBy: null });
      for (const { job } of jobs) expect((await runToEnd(job.id)).job).toMatchObject({ status: "completed", attempts: 1 });
    } finally {
      await switchLane(ops, "platform", "low", "resume");
    }
  });

  it("shows the platform how many organisations hold a lane for themselves, and shows no organisation another's switch", async () => {
    const ops = await platformOperator();
    const holding = await newOrg();
    const other = await newOrg();
    const before = (await laneAs(ops, "high", "/v1/platform/queues")).organisationsPaused;
    await switchLane(holding, "admin", "high", "pause");
    try {
      expect(await laneAs(ops, "high", "/v1/platform/queues")).toMatchObject({
        paused: false,
        pausedBy: null,
        organisationsPaused: before + 1,
      });
      const seen = await laneAs(other, "high");
      expect(seen).toMatchObject({ paused: false, pausedBy: null });
      expect(seen).not.toHaveProperty("organisationsPaused");
    } finally {
      await switchLane(holding, "admin", "high", "resume");
    }
  });
});
