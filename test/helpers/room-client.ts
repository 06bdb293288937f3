/**
 * A session-room client for workerd tests: asks the API for a ticket, opens
 * the WebSocket through the worker's real fetch entry point (as a browser
 * would, `Upgrade: websocket`), and records every frame it receives.
 */
import { SELF } from "cloudflare:test";
import type { ClientFrame, ServerFrame } from "@studyhall/core";
import { type Actor, BASE, call, json, newMember, newOrg } from "./api.ts";

export type Frame = ServerFrame;
type Chat = Extract<ServerFrame, { type: "chat" | "tutor" | "system" }>;

/** Opens `/v1/sessions/{id}/ws` with a ticket (or none) and returns the raw response. */
export async function connectRaw(sessionId: string, query: Record<string, string>): Promise<Response> {
  const url = new URL(`${BASE}/v1/sessions/${sessionId}/ws`);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return SELF.fetch(url, { headers: { Upgrade: "websocket" } });
}

export async function ticketFor(actor: Actor, sessionId: string): Promise<string> {
  const response = await call(`/v1/sessions/${sessionId}/ticket`, { method: "POST", token: actor.token });
  if (response.status !== 201) throw new Error(`ticket refused: ${response.status} ${await response.text()}`);
  return (await json(response)).ticket;
}

export class RoomClient {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | null = null;
  private listeners = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (event) => {
      this.frames.push(JSON.parse(String(event.data)) as Frame);
      for (const listener of this.listeners) listener();
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
      for (const listener of this.listeners) listener();
    });
  }

  /** Gets a ticket as `actor` and connects; `lastSeq` asks for what was missed. */
  static async join(actor: Actor, sessionId: string, lastSeq?: number): Promise<RoomClient> {
    const ticket = await ticketFor(actor, sessionId);
    const response = await connectRaw(sessionId, lastSeq === undefined ? { ticket } : { ticket, lastSeq: String(lastSeq) });
    if (response.status !== 101 || !response.webSocket) throw new Error(`upgrade refused: ${response.status} ${await response.text()}`);
    response.webSocket.accept();
    const client = new RoomClient(response.webSocket);
    await client.until((frames) => frames.some((f) => f.type === "welcome"));
    return client;
  }

  send(frame: ClientFrame | string): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Resolves once `check` holds for the frames received so far; fails after `timeoutMs` (a hang guard, not a timing assertion). */
  until(check: (frames: Frame[]) => boolean, timeoutMs = 10_000): Promise<void> {
    if (check(this.frames)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`timed out; frames so far: ${JSON.stringify(this.frames).slice(0, 2000)}`));
      }, timeoutMs);
      const listener = () => {
        if (!check(this.frames)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve();
      };
      this.listeners.add(listener);
    });
  }

  /** Waits for the closing handshake. */
  async untilClosed(timeoutMs = 10_000): Promise<void> {
    await this.until(() => this.closed !== null, timeoutMs);
  }

  /** Chat, tutor and system messages received, in arrival order. */
  messages(): Chat[] {
    return this.frames.filter((f): f is Chat => f.type === "chat" || f.type === "tutor" || f.type === "system");
  }

  errors(): Extract<Frame, { type: "error" }>[] {
    return this.frames.filter((f): f is Extract<Frame, { type: "error" }> => f.type === "error");
  }

  /** The highest seq seen, as a client would keep it for resuming. */
  lastSeq(): number {
    let last = 0;
    for (const f of this.frames) {
      if ("seq" in f && typeof f.seq === "number") last = Math.max(last, f.seq);
      if (f.type === "welcome") last = Math.max(last, f.lastSeq);
    }
    return last;
  }

  close(): void {
    this.ws.close(1000, "done");
  }
}

export interface Classroom {
  admin: Actor;
  teacher: Actor;
  students: [Actor, Actor];
  courseId: string;
  /** A study room for the published course, opened by the teacher. */
  roomId: string;
}

/** A fresh organisation with a teacher, two students, a published course and a study room for it. */
export async function newClassroom(): Promise<Classroom> {
  const admin = await newOrg();
  const teacher = await newMember(admin, "teacher");
  const students: [Actor, Actor] = [await newMember(admin, "student", "student-a"), await newMember(admin, "student", "student-b")];
  const course = await json(await call("/v1/courses", { token: teacher.token, body: { title: "Tracing JITs" } }));
  await call(`/v1/courses/${course.id}`, { method: "PATCH", token: teacher.token, body: { status: "PUBLISHED" } });
  const room = await call("/v1/sessions", { token: teacher.token, body: { kind: "study-room", courseId: course.id } });
  if (room.status !== 201) throw new Error(`room not created: ${room.status} ${await room.text()}`);
  return { admin, teacher, students, courseId: course.id, roomId: (await json(room)).id };
}
