/** A session room live: ordering, resuming, eviction, bad frames, moderation, limits and the tutor. */
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, expectProblem, json } from "../helpers/api.ts";
import { type Frame, newClassroom, RoomClient } from "../helpers/room-client.ts";

const chatTexts = (client: RoomClient) =>
  client
    .messages()
    .filter((m) => m.type === "chat")
    .map((m) => m.text);
const seqs = (frames: Frame[]) => frames.flatMap((f) => ("seq" in f ? [f.seq] : []));

describe("fan-out", () => {
  it("three clients see the same messages in the same order, each with a rising seq", async () => {
    const { teacher, students, roomId } = await newClassroom();
    const clients = [
      await RoomClient.join(teacher, roomId),
      await RoomClient.join(students[0], roomId),
      await RoomClient.join(students[1], roomId),
    ];
    // Everyone sends at once, interleaved: the room alone decides the order.
    for (let i = 0; i < 5; i++) for (const [who, client] of clients.entries()) client.send({ type: "chat", text: `m${i} from ${who}` });
    for (const client of clients) await client.until(() => chatTexts(client).length === 15);

    const seen = clients.map((client) => client.messages().map((m) => `${m.seq}:${m.author.id}:${m.text}`));
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
    const numbers = clients[0]!.messages().map((m) => m.seq);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(new Set(numbers).size).toBe(15);
    // Each sender's own messages keep the order they were sent in.
    expect(chatTexts(clients[0]!).filter((t) => t.endsWith("from 1"))).toEqual([
      "m0 from 1",
      "m1 from 1",
      "m2 from 1",
      "m3 from 1",
      "m4 from 1",
    ]);

    const history = await json(await call(`/v1/sessions/${roomId}/messages`, { token: students[0].token }));
    expect(history.messages.map((m: { seq: number; text: string }) => `${m.seq}:${m.text}`)).toEqual(
      clients[0]!.messages().map((m) => `${m.seq}:${m.text}`),
    );
    for (const c of clients) c.close();
  });

  it("presence: everyone learns who joined and who left; the welcome says who is here", async () => {
    const { teacher, students, roomId } = await newClassroom();
    const host = await RoomClient.join(teacher, roomId);
    const guest = await RoomClient.join(students[0], roomId);
    expect(guest.frames[0]).toMatchObject({ type: "welcome", present: [{ id: teacher.id }, { id: students[0].id }] });
    await host.until((f) => f.some((x) => x.type === "presence" && x.event === "joined" && x.user.id === students[0].id));
    expect((await json(await call(`/v1/sessions/${roomId}`, { token: teacher.token }))).present.map((p: { id: string }) => p.id)).toEqual([
      teacher.id,
      students[0].id,
    ]);
    guest.send({ type: "typing" });
    await host.until((f) => f.some((x) => x.type === "typing" && x.user.id === students[0].id));
    guest.close();
    await host.until((f) => f.some((x) => x.type === "presence" && x.event === "left" && x.user.id === students[0].id));
    const left = host.frames.find((x) => x.type === "presence" && x.event === "left");
    expect(left).toMatchObject({ present: [{ id: teacher.id }] });
    host.close();
  });
});

describe("resuming", () => {
  it("a client away for ten messages gets exactly those ten when it comes back with its last seq, then the live stream", async () => {
    const { teacher, students, roomId } = await newClassroom();
    const a = await RoomClient.join(teacher, roomId);
    const b = await RoomClient.join(students[0], roomId);
    const away = await RoomClient.join(students[1], roomId);
    a.send({ type: "chat", text: "before" });
    await away.until(() => chatTexts(away).includes("before"));
    const lastSeq = away.lastSeq();
    away.close();
    await a.until((f) => f.some((x) => x.type === "presence" && x.event === "left"));

    const missed = Array.from({ length: 10 }, (_, i) => `missed ${i}`);
    for (const [i, text] of missed.entries()) (i % 2 ? b : a).send({ type: "chat", text });
    await a.until(() => chatTexts(a).length === 11);

    const back = await RoomClient.join(students[1], roomId, lastSeq);
    await back.until(() => chatTexts(back).length === 10);
    expect(chatTexts(back)).toEqual(
      a
        .messages()
        .filter((m) => m.seq > lastSeq)
        .map((m) => m.text),
    );
    expect(chatTexts(back)).toEqual(expect.arrayContaining(missed));
    expect(seqs(back.frames).every((seq) => seq > lastSeq)).toBe(true);

    a.send({ type: "chat", text: "live again" });
    await back.until(() => chatTexts(back).includes("live again"));
    expect(chatTexts(back)).toHaveLength(11);
    const numbers = seqs(back.frames);
    expect(numbers).toEqual([...numbers].sort((x, y) => x - y));
    for (const c of [a, b, back]) c.close();
  });

  it("a resume frame on an open socket replays what came after the given seq", async () => {
    const { teacher, roomId } = await newClassroom();
    const a = await RoomClient.join(teacher, roomId);
    for (const text of ["one", "two", "three"]) a.send({ type: "chat", text });
    await a.until(() => chatTexts(a).length === 3);
    const second = a.messages()[1]!.seq;
    a.send({ type: "resume", lastSeq: second });
    await a.until(() => chatTexts(a).length === 4);
    expect(chatTexts(a)).toEqual(["one", "two", "three", "three"]);
    a.close();
  });
});

describe("eviction", () => {
  it("the room keeps its history, fan-out, limits and resume after it is evicted from memory", async () => {
    const { teacher, students, roomId } = await newClassroom();
    const a = await RoomClient.join(teacher, roomId);
    const b = await RoomClient.join(students[0], roomId);
    a.send({ type: "chat", text: "before eviction" });
    await b.until(() => chatTexts(b).includes("before eviction"));
    const seqBefore = b.messages()[0]!.seq;

    const stub = env.SESSION_ROOM.getByName(roomId);
    type Marked = { marker?: string };
    await runInDurableObject(stub, (room) => {
      (room as unknown as Marked).marker = "old instance";
    });
    await evictDurableObject(stub);

    // The same sockets, a fresh instance: it still knows who they are.
    b.send({ type: "chat", text: "after eviction" });
    await a.until(() => chatTexts(a).includes("after eviction"));
    const after = a.messages().find((m) => m.text === "after eviction")!;
    expect(after).toMatchObject({ seq: seqBefore + 1, author: { id: students[0].id, role: "student" } });

    const history = await json(await call(`/v1/sessions/${roomId}/messages`, { token: teacher.token }));
    expect(history.messages.map((m: { text: string }) => m.text)).toEqual(["before eviction", "after eviction"]);
    expect(await runInDurableObject(stub, (room) => (room as unknown as Marked).marker)).toBeUndefined();

    const late = await RoomClient.join(students[1], roomId, seqBefore);
    await late.until(() => chatTexts(late).length === 1);
    expect(chatTexts(late)).toEqual(["after eviction"]);

    // The send limit lives in the room's storage, not the instance: a full window survives an eviction.
    for (let i = 0; i < 10; i++) late.send({ type: "chat", text: `burst ${i}` });
    await b.until(() => chatTexts(b).filter((t) => t.startsWith("burst")).length === 10);
    await evictDurableObject(env.SESSION_ROOM.getByName(roomId));
    late.send({ type: "chat", text: "one too many" });
    await late.until(() => late.errors().some((e) => e.code === "rate-limited"));
    b.send({ type: "chat", text: "marker" });
    await late.until(() => chatTexts(late).includes("marker"));
    expect(chatTexts(late)).not.toContain("one too many");
    for (const c of [a, b, late]) c.close();
  });
});

describe("frames and limits", () => {
  it("a bad frame gets an error frame back and the socket stays open", async () => {
    const { students, roomId } = await newClassroom();
    const client = await RoomClient.join(students[0], roomId);
    client.send("not json");
    client.send(JSON.stringify({ type: "shout", text: "hi" }));
    client.send(JSON.stringify({ type: "chat", text: "   " }));
    client.send(JSON.stringify({ type: "chat", text: "x".repeat(9000) }));
    await client.until(() => client.errors().length === 4);
    expect(client.errors().map((e) => e.code)).toEqual(["bad-frame", "bad-frame", "bad-frame", "frame-too-large"]);
    client.send({ type: "chat", text: "still here" });
    await client.until(() => chatTexts(client).includes("still here"));
    expect(client.closed).toBeNull();
    client.send('{"type":"ping"}');
    await client.until((f) => f.some((x) => x.type === "pong"));
    client.close();
  });

  it("over ten messages in ten seconds a socket gets error frames, and the extra messages go nowhere", async () => {
    const { teacher, students, roomId } = await newClassroom();
    const listener = await RoomClient.join(teacher, roomId);
    const chatty = await RoomClient.join(students[0], roomId);
    for (let i = 0; i < 12; i++) chatty.send({ type: "chat", text: `spam ${i}` });
    await chatty.until(() => chatty.errors().length === 2 && chatTexts(chatty).length === 10);
    expect(chatty.errors().map((e) => e.code)).toEqual(["rate-limited", "rate-limited"]);
    listener.send({ type: "chat", text: "marker" });
    await listener.until(() => chatTexts(listener).includes("marker"));
    expect(chatTexts(listener)).toEqual([...Array.from({ length: 10 }, (_, i) => `spam ${i}`), "marker"]);
    for (const c of [listener, chatty]) c.close();
  });
});

describe("budgets are per person, not per socket", () => {
  it("a student with five sockets shares one chat budget: ten messages in ten seconds, however they are spread, and a new socket starts no new window", async () => {
    const { teacher, students, roomId } = await newClassroom();
    const listener = await RoomClient.join(teacher, roomId);
    const tabs = await Promise.all(Array.from({ length: 5 }, () => RoomClient.join(students[0], roomId)));
    for (let i = 0; i < 15; i++) tabs[i % 5]!.send({ type: "chat", text: `spam ${i}` });
    // Which five are refused depends on the order the sockets' frames arrive in; that five are does not.
    const refusals = () => tabs.flatMap((tab) => tab.errors());
    await expect.poll(refusals, { timeout: 10_000 }).toHaveLength(5);
    expect(refusals().map((e) => e.code)).toEqual(Array(5).fill("rate-limited"));

    for (const tab of tabs) tab.close();
    const fresh = await RoomClient.join(students[0], roomId);
    fresh.send({ type: "chat", text: "from a new tab" });
    await fresh.until(() => fresh.errors().some((e) => e.code === "rate-limited"));
    listener.send({ type: "chat", text: "marker" });
    await listener.until(() => chatTexts(listener).includes("marker"));
    const delivered = chatTexts(listener).slice(0, -1);
    expect(delivered).toHaveLength(10);
    expect(new Set(delivered).size).toBe(10);
    expect(delivered.every((text) => /^spam (\d|1[0-4])$/.test(text))).toBe(true);
    expect(chatTexts(listener).at(-1)).toBe("marker");
    for (const c of [listener, fresh]) c.close();
  });

  it("a flood of resume frames gets rate-limited error frames after five replays, shared across the student's sockets", async () => {
    const { teacher, students, roomId } = await newClassroom();
    const host = await RoomClient.join(teacher, roomId);
    host.send({ type: "chat", text: "history" });
    const tabs = [await RoomClient.join(students[0], roomId, 0), await RoomClient.join(students[0], roomId, 0)];
    for (const tab of tabs) await tab.until(() => chatTexts(tab).includes("history"));
    // A connection's own replay (with a fresh ticket) is not a resume frame: each tab holds "history" once so far.
    const replays = (tab: RoomClient) => chatTexts(tab).filter((t) => t === "history").length - 1;
    for (let i = 0; i < 10; i++) for (const tab of tabs) tab.send({ type: "resume", lastSeq: 0 });
    for (const tab of tabs) await tab.until(() => replays(tab) + tab.errors().length === 10);

    expect(replays(tabs[0]!) + replays(tabs[1]!)).toBe(5);
    const errors = tabs.flatMap((tab) => tab.errors());
    expect(errors).toHaveLength(15);
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(["rate-limited"]));
    // Someone else's budget is their own.
    const other = await RoomClient.join(students[1], roomId);
    other.send({ type: "resume", lastSeq: 0 });
    await other.until(() => chatTexts(other).includes("history"));
    expect(other.errors()).toEqual([]);
    for (const c of [host, ...tabs, other]) c.close();
  });
});

describe("moderation", () => {
  it("a muted student's message is refused with an error frame and reaches no one; unmuted, it flows again", async () => {
    const { teacher, students, roomId } = await newClassroom();
    const host = await RoomClient.join(teacher, roomId);
    const other = await RoomClient.join(students[1], roomId);
    const muted = await RoomClient.join(students[0], roomId);
    expect(
      (await call(`/v1/sessions/${roomId}/mute`, { token: teacher.token, body: { userId: students[0].id, muted: true } })).status,
    ).toBe(200);
    await muted.until((f) => f.some((x) => x.type === "muted" && x.userId === students[0].id && x.muted));
    muted.send({ type: "chat", text: "can you hear me" });
    await muted.until(() => muted.errors().some((e) => e.code === "muted"));
    host.send({ type: "chat", text: "marker" });
    await other.until(() => chatTexts(other).includes("marker"));
    for (const client of [host, other, muted]) expect(chatTexts(client)).not.toContain("can you hear me");

    await call(`/v1/sessions/${roomId}/mute`, { token: teacher.token, body: { userId: students[0].id, muted: false } });
    muted.send({ type: "chat", text: "back" });
    await other.until(() => chatTexts(other).includes("back"));
    const history = await json(await call(`/v1/sessions/${roomId}/messages`, { token: teacher.token }));
    expect(history.messages.map((m: { text: string }) => m.text)).toEqual(["marker", "back"]);
    for (const c of [host, other, muted]) c.close();
  });

  it("a deleted message is gone from history, everyone is told, and a returning client does not get it", async () => {
    const { teacher, students, roomId } = await newClassroom();
    const host = await RoomClient.join(teacher, roomId);
    const student = await RoomClient.join(students[0], roomId);
    const lastSeq = student.lastSeq();
    student.close();
    for (const text of ["keep", "rude", "keep too"]) host.send({ type: "chat", text });
    await host.until(() => chatTexts(host).length === 3);
    const rude = host.messages().find((m) => m.text === "rude")!;
    expect((await call(`/v1/sessions/${roomId}/messages/${rude.seq}`, { method: "DELETE", token: teacher.token })).status).toBe(204);
    await host.until((f) => f.some((x) => x.type === "deleted" && x.messageSeq === rude.seq));
    await expectProblem(await call(`/v1/sessions/${roomId}/messages/${rude.seq}`, { method: "DELETE", token: teacher.token }), 404);

    const history = await json(await call(`/v1/sessions/${roomId}/messages`, { token: students[1].token }));
    expect(history.messages.map((m: { text: string }) => m.text)).toEqual(["keep", "keep too"]);
    const back = await RoomClient.join(students[0], roomId, lastSeq);
    await back.until(() => chatTexts(back).length === 2);
    expect(chatTexts(back)).toEqual(["keep", "keep too"]);
    expect(JSON.stringify(back.frames)).not.toContain("rude");
    for (const c of [host, back]) c.close();
  });
});
