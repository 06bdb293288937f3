/**
 * Subscribers learn every way a job ends as it happens: a queued job
 * cancelled by its owner or an admin, one dead-lettered by the queue, one
 * whose document is deleted. Each test subscribes to the job's event stream as a
 * client does, then takes away the channel's own re-read of the row (its
 * alarm), so the terminal event can only come from the change being published.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { objects } from "@studyhall/objects";
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, call, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { corpusPdf, deliver, runToEnd } from "./run-jobs.ts";

interface ServerEvent {
  event: string;
  data: { status?: string; stage?: string; error?: { type: string } | null };
}

let admin: Actor;
let pdf: Uint8Array;

beforeAll(async () => {
  admin = await newOrg();
  pdf = await corpusPdf("issue925.pdf");
}, 30_000);

/** A queued parse of a fresh copy of the PDF (other bytes after `%%EOF`), by a new teacher. */
async function queuedParse(): Promise<{ jobId: string; documentId: string; owner: Actor }> {
  const owner = await newMember(admin, "teacher");
  const suffix = new TextEncoder().encode(`\n%${crypto.randomUUID()}\n`);
  const bytes = new Uint8Array(pdf.length + suffix.length);
  bytes.set(pdf);
  bytes.set(suffix, pdf.length);
  const accepted = await json(
    await call("/v1/documents?generate=false", { token: owner.token, body: bytes, headers: { "Content-Type": "application/pdf" } }),
  );
  expect(accepted.job.status).toBe("queued");
  return { jobId: accepted.job.id, documentId: accepted.document.id, owner };
}

/**
 * Opens `GET /v1/jobs/{id}/events` and reads its first state; then the channel's alarm is taken away, so
 * nothing but a publish can move the stream on. `rest()` reads the stream to its end.
 */
async function subscribe(jobId: string, actor: Actor): Promise<{ first: ServerEvent; rest(): Promise<ServerEvent[]> }> {
  const response = await call(`/v1/jobs/${jobId}/events`, { token: actor.token });
  expect(response.status).toBe(200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const events: ServerEvent[] = [];
  const parse = (block: string): ServerEvent | undefined => {
    const data = /^data: (.*)$/m.exec(block)?.[1];
    return data === undefined ? undefined : { event: /^event: (.*)$/m.exec(block)?.[1] ?? "message", data: JSON.parse(data) };
  };
  // Reads until one more event is in, or the stream ends; false at the end.
  const more = async (): Promise<boolean> => {
    for (;;) {
      const at = buffer.indexOf("\n\n");
      if (at >= 0) {
        const event = parse(buffer.slice(0, at));
        buffer = buffer.slice(at + 2);
        if (event) {
          events.push(event);
          return true;
        }
        continue;
      }
      const { value, done } = await reader.read();
      if (done) return false;
      buffer += value;
    }
  };
  expect(await more()).toBe(true);
  await runInDurableObject(objects(env).jobChannel.getByName(jobId), (_, state) => state.storage.deleteAlarm());
  return {
    first: events[0]!,
    async rest() {
      while (await more());
      return events.slice(1);
    },
  };
}

/** The last state the stream sent and how it ended. */
const ending = (events: ServerEvent[]) => ({
  last: events.filter((e) => e.event === "progress").at(-1)?.data,
  end: events.at(-1),
});

describe("a job's event stream", () => {
  it("ends with `cancelled` when its owner cancels the queued job", async () => {
    const { jobId, owner } = await queuedParse();
    const stream = await subscribe(jobId, owner);
    expect(stream.first).toMatchObject({ event: "progress", data: { status: "queued" } });
    expect((await call(`/v1/jobs/${jobId}/cancel`, { token: owner.token, method: "POST" })).status).toBe(202);
    const { last, end } = ending(await stream.rest());
    expect(last).toMatchObject({ status: "cancelled" });
    expect(end).toEqual({ event: "end", data: { status: "cancelled" } });
  });

  it("ends with `cancelled` when an admin cancels it from the dashboard", async () => {
    const { jobId, owner } = await queuedParse();
    const stream = await subscribe(jobId, owner);
    expect((await call(`/v1/admin/jobs/${jobId}/cancel`, { token: admin.token, method: "POST" })).status).toBe(202);
    expect(ending(await stream.rest()).end).toEqual({ event: "end", data: { status: "cancelled" } });
  });

  it("ends with `failed` and the dead-letter problem when the queue gives up on the job", async () => {
    const { jobId, owner } = await queuedParse();
    const stream = await subscribe(jobId, owner);
    await deliver(jobId, { queue: "studyhall-jobs-dead", attempts: 11 });
    const { last, end } = ending(await stream.rest());
    expect(last).toMatchObject({ status: "failed", error: { type: "/problems/job-dead-lettered" } });
    expect(end).toEqual({ event: "end", data: { status: "failed" } });
  });

  it("ends with `cancelled`, saying why, when the document it parses is deleted", async () => {
    const { jobId, documentId, owner } = await queuedParse();
    const stream = await subscribe(jobId, owner);
    expect((await call(`/v1/documents/${documentId}`, { token: owner.token, method: "DELETE" })).status).toBe(204);
    const { last, end } = ending(await stream.rest());
    expect(last).toMatchObject({ status: "cancelled", error: { type: "/problems/document-deleted" } });
    expect(end).toEqual({ event: "end", data: { status: "cancelled" } });
    // A message still in the queue for it finds it ended and does nothing.
    expect((await runToEnd(jobId)).job.status).toBe("cancelled");
  });
});
