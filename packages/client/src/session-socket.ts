/**
 * A live session over a WebSocket that survives dropped connections: it asks
 * for a single-use ticket (`POST /v1/sessions/{id}/ticket`), connects, checks
 * every frame against the shared protocol schema, remembers the highest `seq`
 * it saw, and on an unexpected close reconnects with a new ticket and
 * `lastSeq`, so the room replays exactly what was missed. A close the room
 * means (the session closed, access revoked: `sessionCloseCodes`) is final.
 *
 * This module imports `@studyhall/core` at run time (for the schemas), which
 * needs a bundler, vitest or wrangler; the client loads it only when
 * `joinSession` is called, so the rest of the client runs in plain Node too.
 */
import { type ClientFrame, clientFrameSchema, isFinalClose, PING_FRAME, type ServerFrame, serverFrameSchema } from "@studyhall/core";
import { StudyhallProblemError } from "./problem-error.ts";

export type SessionSocketStatus = "connecting" | "open" | "reconnecting" | "closed";
export type WelcomeFrame = Extract<ServerFrame, { type: "welcome" }>;

export interface JoinSessionOptions {
  /** The highest `seq` you already hold (from history or an earlier connection); the room replays what came after. */
  lastSeq?: number;
  /** Every valid frame from the room, in order, replayed ones included. */
  onFrame: (frame: ServerFrame) => void;
  onStatus?: (status: SessionSocketStatus) => void;
  /** A frame that broke the protocol (it is dropped) or a failed reconnect attempt (it is retried). */
  onError?: (error: unknown) => void;
  /** Keep-alive ping period in ms (the room answers without waking up); 0 turns it off. Default 30 s. */
  pingIntervalMs?: number;
}

/** Why a connection stopped for good. */
export interface SessionEnd {
  /**
   * The room's close code: 4403 (your access was revoked), 4410 (the session was closed), 1000 (a goodbye);
   * null when it stopped without one (you closed it, or a ticket was refused: see `error`).
   */
  code: number | null;
  /** Something a person can read. */
  reason: string;
  /** The ticket refusal, when that is what stopped it (a `StudyhallProblemError`, e.g. 404 once access is gone). */
  error?: unknown;
}

export interface SessionConnection {
  /** Sends a frame (checked against the protocol first); throws while disconnected. */
  send(frame: ClientFrame): void;
  /** Leaves the session for good. */
  close(): void;
  /** The highest `seq` received so far: keep it to resume later. */
  readonly lastSeq: number | undefined;
  readonly status: SessionSocketStatus;
  /** The first `welcome` frame; rejects if the session cannot be joined at all. */
  readonly ready: Promise<WelcomeFrame>;
  /** Settles once the connection has stopped for good (closed by you or the room, or refused), saying why. */
  readonly closed: Promise<SessionEnd>;
}

export interface SessionSocketDeps {
  ticket(sessionId: string): Promise<{ url: string }>;
  /** Opens a WebSocket and resolves once it is open. */
  openSocket(url: string): Promise<WebSocket>;
}

/** Ticket refusals that another attempt cannot fix: signed out, no access, no such session, session closed. */
const PERMANENT = new Set([401, 403, 404, 409]);

/** Opens a WebSocket with the platform's constructor (browsers, Node 22+, Deno). */
export function openWebSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.addEventListener("open", () => resolve(ws), { once: true });
    ws.addEventListener("error", () => reject(new Error(`could not open ${url.replace(/ticket=[^&]+/, "ticket=…")}`)), { once: true });
  });
}

export function joinSession(deps: SessionSocketDeps, sessionId: string, options: JoinSessionOptions): SessionConnection {
  let lastSeq = options.lastSeq;
  let socket: WebSocket | undefined;
  let status: SessionSocketStatus = "connecting";
  let stopped = false;
  let attempts = 0;
  let pinger: ReturnType<typeof setInterval> | undefined;
  let resolveReady!: (frame: WelcomeFrame) => void;
  let rejectReady!: (error: unknown) => void;
  let resolveClosed!: (end: SessionEnd) => void;
  const ready = new Promise<WelcomeFrame>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  const closed = new Promise<SessionEnd>((resolve) => {
    resolveClosed = resolve;
  });
  ready.catch(() => undefined);

  const setStatus = (next: SessionSocketStatus) => {
    if (status === next) return;
    status = next;
    options.onStatus?.(next);
  };
  const stop = (end: SessionEnd) => {
    stopped = true;
    clearInterval(pinger);
    setStatus("closed");
    rejectReady(end.error ?? new Error(`the session connection was closed before it opened: ${end.reason}`));
    resolveClosed(end);
  };

  const onMessage = (event: MessageEvent) => {
    let parsed: ReturnType<typeof serverFrameSchema.safeParse> | undefined;
    try {
      parsed = typeof event.data === "string" ? serverFrameSchema.safeParse(JSON.parse(event.data)) : undefined;
    } catch (error) {
      return options.onError?.(error);
    }
    if (!parsed?.success) return options.onError?.(parsed?.error ?? new Error("a binary frame; the protocol is JSON text"));
    const frame = parsed.data;
    if ("seq" in frame && typeof frame.seq === "number") lastSeq = Math.max(lastSeq ?? 0, frame.seq);
    if (frame.type === "welcome") {
      // A first join starts from now (history is read over HTTP); a resume keeps its own place until the replay arrives.
      lastSeq ??= frame.lastSeq;
      resolveReady(frame);
    }
    options.onFrame(frame);
  };

  const attach = (ws: WebSocket) => {
    socket = ws;
    attempts = 0;
    setStatus("open");
    ws.addEventListener("message", onMessage);
    ws.addEventListener("close", (event: CloseEvent) => {
      if (socket !== ws) return;
      socket = undefined;
      clearInterval(pinger);
      if (stopped) return stop({ code: null, reason: "You left the session." });
      // The room closing on purpose (access revoked, session closed, goodbye): another ticket would be refused.
      if (isFinalClose(event.code)) return stop({ code: event.code, reason: event.reason || "The room ended the connection." });
      setStatus("reconnecting");
      void connect();
    });
    const every = options.pingIntervalMs ?? 30_000;
    if (every > 0) pinger = setInterval(() => socket?.send(PING_FRAME), every);
  };

  const connect = async () => {
    while (!stopped) {
      try {
        const { url } = await deps.ticket(sessionId);
        const target = new URL(url);
        if (lastSeq !== undefined) target.searchParams.set("lastSeq", String(lastSeq));
        const ws = await deps.openSocket(target.toString());
        if (stopped) return ws.close(1000, "bye");
        return attach(ws);
      } catch (error) {
        if (error instanceof StudyhallProblemError && PERMANENT.has(error.status))
          return stop({ code: null, reason: error.detail ?? error.title, error });
        options.onError?.(error);
        // 0.5 s, 1 s, 2 s … up to 15 s, with jitter so a room's clients do not return all at once.
        const delay = Math.min(15_000, 500 * 2 ** attempts++) * (0.75 + Math.random() * 0.5);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };

  void connect();
  return {
    send(frame) {
      const checked = clientFrameSchema.parse(frame);
      if (!socket || status !== "open") throw new Error(`not connected (${status})`);
      socket.send(JSON.stringify(checked));
    },
    close() {
      const ws = socket;
      socket = undefined;
      stop({ code: null, reason: "You left the session." });
      ws?.close(1000, "bye");
    },
    get lastSeq() {
      return lastSeq;
    },
    get status() {
      return status;
    },
    ready,
    closed,
  };
}
