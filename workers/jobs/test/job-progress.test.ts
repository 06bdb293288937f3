/**
 * Live job progress through the job's channel: an upload's parse job is
 * followed over a WebSocket and over Server-Sent Events while the jobs worker
 * runs it, a late subscriber gets the final state at once, and nobody outside
 * the job's owner (and their admins) gets anything.
 */
import { env, runDurableObjectAlarm, SELF } from "cloudflare:test";
import { objects } from "@studyhall/objects";
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, BASE, call, expectProblem, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { corpusPdf, runToEnd } from "./run-jobs.ts";

interface JobView {
  id: string;
  status: string;
  progress: number;
  stage: string;
}
type Frame = { type: "progress"; job: JobView } | { type: "end"; status: string };

let admin: Actor;
let pdf: Uint8Array;

beforeAll(async () => {
  admin = await newOrg();
  pdf = await corpusPdf("tracemonkey.pdf");
}, 60_000);

/**
 * The same PDF with different bytes after `%%EOF`, so each upload is a new
 * document and a new parse job; each by a new teacher, so the upload limit never bites.
 */
async function uploadQueued(tag: string): Promise<{ jobId: string; owner: Actor }> {
  const owner = await newMember(admin, "teacher", `uploader-${tag}`);
  const suffix = new TextEncoder().encode(`\n%studyhall ${tag} ${crypto.randomUUID()}\n`);
  const bytes = new Uint8Array(pdf.length + suffix.length);
  bytes.set(pdf);
  bytes.set(suffix, pdf.length);
  const response = await call("/v1/documents?generate=false", {
    token: owner.token,
    body: bytes,
    headers: { "Content-Type": "application/pdf" },
  });
  expect(response.status).toBe(202);
  const accepted = await json(response);
  expect(accepted.job.status).toBe("queued");
  return { jobId: accepted.job.id as string, owner };
}

async function ticketFor(jobId: string, actor: Actor): Promise<string> {
  const response = await call(`/v1/jobs/${jobId}/ticket`, { token: actor.token, method: "POST" });
  expect(response.status).toBe(201);
  return (await json(response)).ticket;
}

/** Opens the job's WebSocket and collects its frames until the channel closes it. */
async function openSocket(jobId: string, ticket: string): Promise<{ frames: Frame[]; closed: Promise<number> }> {
  const response = await SELF.fetch(`${BASE}/v1/jobs/${jobId}/ws?ticket=${ticket}`, { headers: { Upgrade: "websocket" } });
  expect(response.status).toBe(101);
  const ws = response.webSocket!;
  const frames: Frame[] = [];
  const closed = new Promise<number>((resolve) => ws.addEventListener("close", (event) => resolve(event.code)));
  ws.addEventListener("message", (event) => {
    frames.push(JSON.parse(event.data as string) as Frame);
  });
  ws.accept();
  return { frames, closed };
}

/** Reads a `text/event-stream` body to its end into `{ event, data }` pairs. */
async function readEvents(response: Response): Promise<{ event: string; data: unknown }[]> {
  expect(response.status).toBe(200);
  expect(response.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((block) => block.includes("data: "))
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
      return { event, data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!) };
    });
}

/** What every live follower must have seen: the state at subscription, only ever-growing progress, the end. */
function expectLiveSequence(jobs: JobView[], jobId: string) {
  expect(jobs[0]).toMatchObject({ id: jobId, status: "queued", progress: 0 });
  const progress = jobs.map((j) => j.progress);
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
  // Changes arrived while the job ran, not only its first and last state.
  expect(jobs.some((j) => j.status === "active" && j.progress > 0 && j.progress < 100)).toBe(true);
  expect(jobs.at(-1)).toMatchObject({ status: "completed", progress: 100 });
}

describe("live progress over a WebSocket", () => {
  it("streams an upload's parse job from its queued state to completed while the worker runs it", async () => {
    const { jobId, owner } = await uploadQueued("ws");
    const { frames, closed } = await openSocket(jobId, await ticketFor(jobId, owner));
    await runToEnd(jobId);
    expect(await closed).toBe(1000);
    const jobs = frames.filter((f) => f.type === "progress").map((f) => f.job);
    expectLiveSequence(jobs, jobId);
    expect(frames.at(-1)).toEqual({ type: "end", status: "completed" });
    // The last frame is the job exactly as a poll shows it.
    expect(jobs.at(-1)).toEqual(await json(await call(`/v1/jobs/${jobId}`, { token: owner.token })));
  });

  it("gives a late subscriber the final state at once, then closes", async () => {
    const { jobId, owner } = await uploadQueued("ws-late");
    await runToEnd(jobId);
    const { frames, closed } = await openSocket(jobId, await ticketFor(jobId, owner));
    expect(await closed).toBe(1000);
    expect(frames).toEqual([
      { type: "progress", job: await json(await call(`/v1/jobs/${jobId}`, { token: owner.token })) },
      { type: "end", status: "completed" },
    ]);
  });
});

describe("live progress over Server-Sent Events", () => {
  it("streams the parse job with a bearer token while the worker runs it, and ends with `end`", async () => {
    const { jobId, owner } = await uploadQueued("sse");
    const response = await call(`/v1/jobs/${jobId}/events`, { token: owner.token });
    const reading = readEvents(response);
    await runToEnd(jobId);
    const events = await reading;
    expect(events.at(-1)).toEqual({ event: "end", data: { status: "completed" } });
    const jobs = events.slice(0, -1).map((e) => {
      expect(e.event).toBe("progress");
      return e.data as JobView;
    });
    expectLiveSequence(jobs, jobId);
    expect(jobs.at(-1)).toEqual(await json(await call(`/v1/jobs/${jobId}`, { token: owner.token })));
  });

  it("accepts a ticket instead of a header (EventSource cannot send one), and an admin may follow too", async () => {
    const { jobId } = await uploadQueued("sse-ticket");
    const response = await SELF.fetch(`${BASE}/v1/jobs/${jobId}/events?ticket=${await ticketFor(jobId, admin)}`);
    const reading = readEvents(response);
    await runToEnd(jobId);
    const events = await reading;
    expectLiveSequence(
      events.filter((e) => e.event === "progress").map((e) => e.data as JobView),
      jobId,
    );
    expect(events.at(-1)).toEqual({ event: "end", data: { status: "completed" } });
  });

  it("still ends when the job is finished without a consumer publishing it: the channel rechecks the row", async () => {
    const { jobId, owner } = await uploadQueued("sse-cancel");
    const reading = readEvents(await call(`/v1/jobs/${jobId}/events`, { token: owner.token }));
    // Cancelling a queued job is one D1 update by the API; no consumer ever runs it.
    expect((await call(`/v1/jobs/${jobId}/cancel`, { token: owner.token, method: "POST" })).status).toBe(202);
    expect(await runDurableObjectAlarm(objects(env).jobChannel.getByName(jobId))).toBe(true);
    const events = await reading;
    expect(events.map((e) => e.event)).toEqual(["progress", "progress", "end"]);
    expect(events[1]?.data).toEqual(await json(await call(`/v1/jobs/${jobId}`, { token: owner.token })));
    expect(events.at(-1)).toEqual({ event: "end", data: { status: "cancelled" } });
  });

  it("gives a late subscriber exactly the final state, then `end`", async () => {
    const { jobId, owner } = await uploadQueued("sse-late");
    await runToEnd(jobId);
    const events = await readEvents(await call(`/v1/jobs/${jobId}/events`, { token: owner.token }));
    expect(events).toEqual([
      { event: "progress", data: await json(await call(`/v1/jobs/${jobId}`, { token: owner.token })) },
      { event: "end", data: { status: "completed" } },
    ]);
  });
});

describe("who may follow a job", () => {
  it("refuses another organisation's user, a student of the same one, and anyone without a valid ticket", async () => {
    const { jobId } = await uploadQueued("security");
    const outsider = await newMember(await newOrg(), "admin");
    const student = await newMember(admin, "student");
    for (const actor of [outsider, student]) {
      await expectProblem(await call(`/v1/jobs/${jobId}/ticket`, { token: actor.token, method: "POST" }), 404, "not-found");
      await expectProblem(await call(`/v1/jobs/${jobId}/events`, { token: actor.token }), 404, "not-found");
    }
    await expectProblem(await call(`/v1/jobs/${jobId}/events`), 401, "unauthenticated");
    await expectProblem(await SELF.fetch(`${BASE}/v1/jobs/${jobId}/ws`, { headers: { Upgrade: "websocket" } }), 401, "unauthenticated");
    await expectProblem(
      await SELF.fetch(`${BASE}/v1/jobs/${jobId}/ws?ticket=${"x".repeat(32)}`, { headers: { Upgrade: "websocket" } }),
      401,
      "invalid-token",
    );
    await expectProblem(await SELF.fetch(`${BASE}/v1/jobs/${jobId}/events?ticket=forged-ticket-000000`), 401, "invalid-token");
  });

  it("spends a ticket on first use, and a ticket for one job opens no other", async () => {
    const { jobId, owner } = await uploadQueued("single-use");
    const { jobId: otherJobId } = await uploadQueued("other");
    const ticket = await ticketFor(jobId, owner);
    await expectProblem(
      await SELF.fetch(`${BASE}/v1/jobs/${otherJobId}/ws?ticket=${await ticketFor(jobId, owner)}`, { headers: { Upgrade: "websocket" } }),
      401,
    );
    const { frames, closed } = await openSocket(jobId, ticket);
    await expectProblem(
      await SELF.fetch(`${BASE}/v1/jobs/${jobId}/ws?ticket=${ticket}`, { headers: { Upgrade: "websocket" } }),
      401,
      "invalid-token",
    );
    await runToEnd(jobId);
    await closed;
    expect(frames.at(-1)).toEqual({ type: "end", status: "completed" });
  });
});
