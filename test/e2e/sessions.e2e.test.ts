/** Live sessions against a real `wrangler dev`: the demo teacher and students in one study room, over real WebSockets. */
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { describe, expect, inject, it } from "vitest";
import { createStudyRoom, LiveSocket, sessionTicket, type SessionFrame } from "./session-client.ts";
import { demoTeacher, signIn } from "./studyhall-client.ts";

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
    const headers = { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": randomBytes(16).toString("base64") };
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
    for (let round = 0; round < 3; round++) clients.forEach((client, who) => client.send({ type: "chat", text: `round ${round} from ${who}` }));
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
    missed.forEach((text, i) => clients[i % 2]!.send({ type: "chat", text }));
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

    const history = await (await fetch(`${base}/v1/sessions/${sessionId}/messages?limit=100`, { headers: { Authorization: `Bearer ${tokens[1]}` } })).json();
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
