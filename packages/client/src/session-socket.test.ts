/**
 * `joinSession` against a real session room (inside workerd, through the API
 * worker's fetch entry point): frames arrive checked, and a dropped
 * connection comes back by itself with `lastSeq`, receiving exactly what was
 * said while it was away.
 */
import { SELF } from "cloudflare:test";
import type { ServerFrame } from "@studyhall/core";
import { describe, expect, it } from "vitest";
import { type Actor, BASE, newMember, newOrg, randomIp } from "../../../test/helpers/api.ts";
import { createStudyhallClient } from "./index.ts";
import type { SessionSocketStatus } from "./session-socket.ts";

/** Opens sockets through SELF (as a browser would, `Upgrade: websocket`); `hold` keeps new ones waiting. */
function socketOpener() {
  const opened: { url: string; ws: WebSocket }[] = [];
  let hold: Promise<void> = Promise.resolve();
  return {
    opened,
    holdNext() {
      let release!: () => void;
      hold = new Promise((resolve) => (release = resolve));
      return () => release();
    },
    async open(url: string): Promise<WebSocket> {
      await hold;
      const response = await SELF.fetch(url.replace(/^ws/, "http"), { headers: { Upgrade: "websocket" } });
      if (response.status !== 101 || !response.webSocket) throw new Error(`upgrade refused: ${response.status} ${await response.text()}`);
      response.webSocket.accept();
      opened.push({ url, ws: response.webSocket });
      return response.webSocket;
    },
  };
}

async function clientOf(actor: Actor, openSocket: (url: string) => Promise<WebSocket>) {
  const ip = randomIp();
  const client = createStudyhallClient({
    baseUrl: BASE,
    openSocket,
    fetch: (input, init) => {
      const request = new Request(input, init);
      request.headers.set("CF-Connecting-IP", ip);
      return SELF.fetch(request);
    },
  });
  await client.login(actor.email, actor.password);
  return client;
}

const chats = (frames: ServerFrame[]) => frames.flatMap((f) => (f.type === "chat" ? [f.text] : []));

describe("joinSession", () => {
  it("reconnects after a dropped connection with the last seq it saw, and receives what it missed exactly once", async () => {
    const teacher = await newOrg("live");
    const opener = socketOpener();
    const client = await clientOf(teacher, opener.open);
    const course = await client.json(client.rpc.v1.courses.$post({ json: { title: "Live course" } }));
    const session = await client.json(client.rpc.v1.sessions.$post({ json: { kind: "study-room", courseId: course.id } }));

    const frames: ServerFrame[] = [];
    const statuses: SessionSocketStatus[] = [];
    const live = await client.joinSession(session.id, {
      onFrame: (f) => frames.push(f),
      onStatus: (s) => statuses.push(s),
      pingIntervalMs: 0,
    });
    const welcome = await live.ready;
    expect(welcome.session).toMatchObject({ id: session.id, kind: "study-room", status: "open" });

    // A second connection (the same teacher in another tab) keeps talking while the first is away.
    const otherFrames: ServerFrame[] = [];
    const other = await (await clientOf(teacher, socketOpener().open)).joinSession(session.id, {
      onFrame: (f) => otherFrames.push(f),
      pingIntervalMs: 0,
    });
    await other.ready;
    live.send({ type: "chat", text: "before the drop" });
    await expect.poll(() => chats(frames)).toEqual(["before the drop"]);
    const seqBeforeDrop = live.lastSeq!;

    const release = opener.holdNext();
    opener.opened[0]!.ws.close(4000, "network went away");
    await expect.poll(() => live.status).toBe("reconnecting");
    other.send({ type: "chat", text: "while you were away" });
    await expect.poll(() => chats(otherFrames)).toContain("while you were away");
    release();

    await expect.poll(() => chats(frames)).toEqual(["before the drop", "while you were away"]);
    expect(live.status).toBe("open");
    expect(statuses).toEqual(["open", "reconnecting", "open"]);
    expect(new URL(opener.opened[1]!.url).searchParams.get("lastSeq")).toBe(String(seqBeforeDrop));
    expect(live.lastSeq!).toBeGreaterThan(seqBeforeDrop);

    live.close();
    other.close();
    await live.closed;
    expect(live.status).toBe("closed");
  });

  it("stops for good when the teacher closes the session", async () => {
    const teacher = await newOrg("closing");
    const client = await clientOf(teacher, socketOpener().open);
    const course = await client.json(client.rpc.v1.courses.$post({ json: { title: "Closing course" } }));
    const session = await client.json(client.rpc.v1.sessions.$post({ json: { kind: "study-room", courseId: course.id } }));
    const live = await client.joinSession(session.id, { onFrame: () => undefined, pingIntervalMs: 0 });
    await live.ready;

    await client.json(client.rpc.v1.sessions[":id"].close.$post({ param: { id: session.id } }));
    expect(await live.closed).toEqual({ code: 4410, reason: "This session was closed." });
    expect(live.status).toBe("closed");
    expect(() => live.send({ type: "chat", text: "anyone?" })).toThrow(/not connected/);
  });

  it("stops for good, saying why, when the student's access is revoked, without trying to reconnect", async () => {
    const admin = await newOrg("revoking");
    const teacher = await newMember(admin, "teacher");
    const student = await newMember(admin, "student");
    const teacherClient = await clientOf(teacher, socketOpener().open);
    const course = await teacherClient.json(teacherClient.rpc.v1.courses.$post({ json: { title: "Invited only" } }));
    const id = { param: { id: course.id } };
    await teacherClient.json(teacherClient.rpc.v1.courses[":id"].$patch({ ...id, json: { status: "PUBLISHED", visibility: "invited" } }));
    await teacherClient.json(teacherClient.rpc.v1.courses[":id"].invitations.$post({ ...id, json: { userIds: [student.id] } }));
    const session = await teacherClient.json(teacherClient.rpc.v1.sessions.$post({ json: { kind: "study-room", courseId: course.id } }));

    const opener = socketOpener();
    const statuses: SessionSocketStatus[] = [];
    const studentClient = await clientOf(student, opener.open);
    const live = await studentClient.joinSession(session.id, {
      onFrame: () => undefined,
      onStatus: (s) => statuses.push(s),
      pingIntervalMs: 0,
    });
    await live.ready;

    await teacherClient.rpc.v1.courses[":id"].invitations[":userId"].$delete({ param: { id: course.id, userId: student.id } });
    expect(await live.closed).toEqual({ code: 4403, reason: "You no longer have access to this session." });
    // A reconnect would have gone through "reconnecting" and opened (or tried for) a second socket.
    expect(statuses).toEqual(["open", "closed"]);
    expect(opener.opened).toHaveLength(1);
    expect(() => live.send({ type: "chat", text: "let me back in" })).toThrow(/not connected/);
  });

  it("rejects a frame that breaks the protocol before sending it", async () => {
    const teacher = await newOrg("strict");
    const client = await clientOf(teacher, socketOpener().open);
    const course = await client.json(client.rpc.v1.courses.$post({ json: { title: "Strict course" } }));
    const session = await client.json(client.rpc.v1.sessions.$post({ json: { kind: "study-room", courseId: course.id } }));
    const live = await client.joinSession(session.id, { onFrame: () => undefined, pingIntervalMs: 0 });
    await live.ready;
    expect(() => live.send({ type: "chat", text: "   " })).toThrow();
    live.close();
  });
});
