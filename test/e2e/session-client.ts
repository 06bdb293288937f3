/**
 * A live-session client over Node's global WebSocket, as a browser would use
 * the API: open a study room, ask for a ticket, connect with the ticket's URL
 * (adding `lastSeq` to resume), read frames. No test framework in here, so
 * the benchmark (plain Node, erasable types only) uses it too.
 */
import { expectJson } from "./studyhall-client.ts";

/** A server frame, loosely: the e2e suite checks the fields it reads. */
export interface SessionFrame {
  type: string;
  seq?: number;
  text?: string;
  lastSeq?: number;
  code?: string;
  author?: { id: string; name: string; role: string };
  [key: string]: unknown;
}

const authorised = (token: string) => ({ Authorization: `Bearer ${token}`, "Content-Type": "application/json" });

/** Creates a course, publishes it and opens a study room for it; returns both ids. */
export async function createStudyRoom(base: string, teacherToken: string, title: string): Promise<{ sessionId: string; courseId: string }> {
  const course = await expectJson<{ id: string }>(
    await fetch(`${base}/v1/courses`, { method: "POST", headers: authorised(teacherToken), body: JSON.stringify({ title }) }),
    201,
  );
  await expectJson(
    await fetch(`${base}/v1/courses/${course.id}`, {
      method: "PATCH",
      headers: authorised(teacherToken),
      body: JSON.stringify({ status: "PUBLISHED" }),
    }),
  );
  const session = await expectJson<{ id: string }>(
    await fetch(`${base}/v1/sessions`, {
      method: "POST",
      headers: authorised(teacherToken),
      body: JSON.stringify({ kind: "study-room", courseId: course.id }),
    }),
    201,
  );
  return { sessionId: session.id, courseId: course.id };
}

export interface Ticket {
  ticket: string;
  expiresAt: string;
  url: string;
}

/** `POST /v1/sessions/{id}/ticket`; on 429 waits as told and asks again. */
export async function sessionTicket(base: string, token: string, sessionId: string): Promise<Ticket> {
  for (;;) {
    const response = await fetch(`${base}/v1/sessions/${sessionId}/ticket`, { method: "POST", headers: authorised(token) });
    if (response.status !== 429) return expectJson<Ticket>(response, 201);
    await response.body?.cancel();
    await new Promise((r) => setTimeout(r, Number(response.headers.get("Retry-After") ?? "1") * 1000));
  }
}

export interface OpenOptions {
  /** Keep every frame in `frames` (tests); off for the benchmark's thousand sockets. */
  keepFrames?: boolean;
  /** Called with each frame as it arrives, and when it arrived (performance.now()). */
  onFrame?: (frame: SessionFrame, receivedAt: number) => void;
  timeoutMs?: number;
}

export class LiveSocket {
  readonly frames: SessionFrame[] = [];
  onFrame: ((frame: SessionFrame, receivedAt: number) => void) | undefined;
  closed = false;
  private readonly ws: WebSocket;
  private readonly keep: boolean;
  private readonly listeners = new Set<() => void>();

  private constructor(ws: WebSocket, options: OpenOptions) {
    this.ws = ws;
    this.keep = options.keepFrames ?? true;
    this.onFrame = options.onFrame;
  }

  /** Connects and resolves with the socket once its `welcome` arrives; rejects if the server refuses. */
  static open(url: string, options: OpenOptions = {}): Promise<LiveSocket> {
    const ws = new WebSocket(url);
    const socket = new LiveSocket(ws, options);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no welcome from ${url}`)), options.timeoutMs ?? 30_000);
      ws.addEventListener("message", (event) => {
        const at = performance.now();
        const frame = JSON.parse(String(event.data)) as SessionFrame;
        if (socket.keep || frame.type === "welcome") socket.frames.push(frame);
        socket.onFrame?.(frame, at);
        if (frame.type === "welcome") {
          clearTimeout(timer);
          resolve(socket);
        }
        for (const listener of socket.listeners) listener();
      });
      ws.addEventListener("error", () => {
        clearTimeout(timer);
        reject(new Error(`WebSocket to ${url.replace(/ticket=[^&]+/, "ticket=…")} failed`));
      });
      ws.addEventListener("close", () => {
        socket.closed = true;
        for (const listener of socket.listeners) listener();
      });
    });
  }

  send(frame: { type: string; [key: string]: unknown }): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Resolves once `check` holds; rejects after `timeoutMs` (a guard against hanging, not a timing check). */
  until(check: (frames: SessionFrame[]) => boolean, timeoutMs = 30_000): Promise<void> {
    if (check(this.frames)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const listener = () => {
        if (!check(this.frames)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`timed out; frames: ${JSON.stringify(this.frames).slice(0, 1500)}`));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  /** The chat messages received, in arrival order. */
  chats(): SessionFrame[] {
    return this.frames.filter((f) => f.type === "chat");
  }

  /** The highest seq seen, kept to resume with. */
  lastSeq(): number {
    return this.frames.reduce((last, f) => Math.max(last, f.seq ?? 0, f.type === "welcome" ? (f.lastSeq ?? 0) : 0), 0);
  }

  /** Closes and waits for the closing handshake. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.ws.close(1000, "bye");
    await this.until(() => this.closed, 10_000).catch(() => undefined);
  }
}
