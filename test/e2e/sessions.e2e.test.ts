/** Live sessions against a real `wrangler dev`: the demo teacher and students in one study room, over real WebSockets. */
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { describe, expect, inject, it } from "vitest";
import {
  createStudyhallClient,
  type SessionEnd,
  type SessionSocketStatus,
  StudyhallProblemError,
} from "../../packages/client/src/index.ts";
import { createStudyRoom, LiveSocket, type SessionFrame, sessionTicket } from "./session-client.ts";
import { demoTeacher, expectJson, signIn } from "./studyhall-client.ts";

const base = inject("baseUrl");
const demoStudents = [
  { email: "student1@demo.studyhall.test", password: "demo-student-password" },
  { email: "student2@demo.studyhall.test", password: "demo-student-password" },
];

const line = (f: SessionFrame) => `${f.seq}:${f.author?.id}:${f.text}`;
const texts = (socket: LiveSocket) => socket.chats().map((f) => f.text);

/** Asks for a WebSocket upgrade by hand (fetch cannot), to read a refusal's status and type. */
function tryUpgrade(url: string): Promise<{ status: number; contentType?: string }> {
  return new Promise((resolve, reject) => {
    const headers = {
      Connection: "Upgrade",
      Upgrade: "websocket",
      "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
    };
    const req = request(url, { headers });
    req.on("response", (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"] });
    });
    req.on("upgrade", (_res, socket) => {
      socket.destroy();
      resolve({ status: 101 });
    });
    req.on("error", reject);
    req.end();
  });
}
const refused = { status: 401, contentType: expect.stringMatching(/^application\/problem\+json/) };

describe("a study room on the local platform", () => {
  it("three clients see one order; a client that comes back with its last seq gets exactly what it missed; tickets work once", async () => {
    const tokens = [await signIn(base, demoTeacher), ...(await Promise.all(demoStudents.map((s) => signIn(base, s))))];
    const { sessionId } = await createStudyRoom(base, tokens[0]!, `E2E live room ${Date.now()}`);
    const tickets = await Promise.all(tokens.map((token) => sessionTicket(base, token, sessionId)));
    expect(tickets[0]!.url).toMatch(new RegExp(`^ws://.+/v1/sessions/${sessionId}/ws\\?ticket=`));
    const clients = await Promise.all(tickets.map((t) => LiveSocket.open(t.url)));

    // Everyone talks at once; the room alone decides the order.
    for (let round = 0; round < 3; round++)
      for (const [who, client] of clients.entries()) client.send({ type: "chat", text: `round ${round} from ${who}` });
    await Promise.all(clients.map((client) => client.until(() => client.chats().length === 9)));
    const order = clients[0]!.chats().map(line);
    expect(clients[1]!.chats().map(line)).toEqual(order);
    expect(clients[2]!.chats().map(line)).toEqual(order);
    const seqs = clients[0]!.chats().map((f) => f.seq!);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    // A used ticket does not open the room again.
    await expect(LiveSocket.open(tickets[1]!.url, { timeoutMs: 10_000 })).rejects.toThrow();

    // The third client leaves; ten messages go by; it comes back with the last seq it saw.
    const away = clients[2]!;
    const lastSeq = away.lastSeq();
    await away.close();
    const missed = Array.from({ length: 10 }, (_, i) => `while you were away ${i}`);
    for (const [i, text] of missed.entries()) clients[i % 2]!.send({ type: "chat", text });
    await clients[0]!.until(() => clients[0]!.chats().length === 19);

    const again = await sessionTicket(base, tokens[2]!, sessionId);
    const back = await LiveSocket.open(`${again.url}&lastSeq=${lastSeq}`);
    await back.until(() => back.chats().length === 10);
    const expected = clients[0]!.chats().filter((f) => f.seq! > lastSeq);
    expect(back.chats().map(line)).toEqual(expected.map(line));
    expect(texts(back).sort()).toEqual([...missed].sort());

    // Then the live stream carries on.
    clients[0]!.send({ type: "chat", text: "welcome back" });
    await back.until(() => texts(back).includes("welcome back"));
    expect(back.chats().at(-1)!.seq).toBeGreaterThan(expected.at(-1)!.seq!);

    const history = await expectJson<{ messages: SessionFrame[] }>(
      await fetch(`${base}/v1/sessions/${sessionId}/messages?limit=100`, { headers: { Authorization: `Bearer ${tokens[1]}` } }),
    );
    expect(history.messages.map(line)).toEqual(clients[0]!.chats().map(line));
    await Promise.all([clients[0]!, clients[1]!, back].map((c) => c.close()));
  });

  it("the socket is refused with a 401 problem without a ticket, with a made-up or a used one; as a plain request it is a 400", async () => {
    const teacher = await signIn(base, demoTeacher);
    const { sessionId } = await createStudyRoom(base, teacher, `E2E refusals ${Date.now()}`);
    const socketUrl = `${base}/v1/sessions/${sessionId}/ws`;
    expect(await tryUpgrade(socketUrl)).toEqual(refused);
    expect(await tryUpgrade(`${socketUrl}?ticket=${"x".repeat(43)}`)).toEqual(refused);
    const { ticket } = await sessionTicket(base, teacher, sessionId);
    const plain = await fetch(`${socketUrl}?ticket=${ticket}`);
    expect([plain.status, plain.headers.get("Content-Type")]).toEqual([400, expect.stringMatching(/^application\/problem\+json/)]);
    expect(await tryUpgrade(`${socketUrl}?ticket=${ticket}`)).toEqual({ status: 101 });
    expect(await tryUpgrade(`${socketUrl}?ticket=${ticket}`)).toEqual(refused);
  });
});

async function typedClient(account: { email: string; password: string }) {
  const client = createStudyhallClient({ baseUrl: base });
  await client.login(account.email, account.password);
  return client;
}

describe("access revoked on the local platform", () => {
  it("an uninvited student's socket is closed with 4403, everyone else is told they left, and the typed client does not come back", async () => {
    const teacher = await typedClient(demoTeacher);
    const student = await typedClient(demoStudents[0]!);
    const me = await student.json(student.rpc.v1.me.$get());
    const course = await teacher.json(teacher.rpc.v1.courses.$post({ json: { title: `E2E invited only ${Date.now()}` } }));
    const param = { id: course.id };
    await teacher.json(teacher.rpc.v1.courses[":id"].$patch({ param, json: { status: "PUBLISHED", visibility: "invited" } }));
    await teacher.json(teacher.rpc.v1.courses[":id"].invitations.$post({ param, json: { userIds: [me.user.id] } }));
    const session = await teacher.json(teacher.rpc.v1.sessions.$post({ json: { kind: "study-room", courseId: course.id } }));
    const host = await LiveSocket.open(
      (await teacher.json(teacher.rpc.v1.sessions[":id"].ticket.$post({ param: { id: session.id } }))).url,
    );

    const statuses: SessionSocketStatus[] = [];
    const live = await student.joinSession(session.id, { onFrame: () => undefined, onStatus: (s) => statuses.push(s), pingIntervalMs: 0 });
    await live.ready;
    const uninvited = await teacher.rpc.v1.courses[":id"].invitations[":userId"].$delete({ param: { id: course.id, userId: me.user.id } });
    expect(uninvited.status).toBe(204);

    // The room lets go of the student at once: the teacher is told they left.
    await host.until((frames) =>
      frames.some((f) => f.type === "presence" && f.event === "left" && (f.user as { id: string }).id === me.user.id),
    );
    // Node's WebSocket reports the close once the TCP connection ends after the closing handshake (about 10 s under
    // wrangler dev); the timer only guards against a hang.
    const hang = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the socket was not closed")), 30_000));
    const end: SessionEnd = await Promise.race([live.closed, hang]);
    expect(end).toEqual({ code: 4403, reason: "You no longer have access to this session." });
    expect(statuses).toEqual(["open", "closed"]);
    const refused = await student
      .json(student.rpc.v1.sessions[":id"].ticket.$post({ param: { id: session.id } }))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StudyhallProblemError);
    expect(refused).toMatchObject({ status: 404, type: "not-found" });
    // Nothing of its own since: no reconnect attempt followed the close.
    expect(live.status).toBe("closed");
    expect(statuses).toEqual(["open", "closed"]);
    await host.close();
  });
});
