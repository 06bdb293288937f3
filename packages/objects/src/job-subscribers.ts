/**
 * The subscribers of a job's channel and how each kind is spoken to.
 * WebSockets are the object's hibernatable sockets (the runtime keeps them;
 * nothing about them lives in memory). Event streams are open responses held
 * in memory while they last: they keep the object awake anyway, and a lost
 * one is just a client that reconnects and gets the current state again.
 */
import type { JobChannelFrame, JobView } from "@studyhall/core";

/** A stream is closed after this long; EventSource reconnects by itself and gets the current state again. */
const MAX_STREAM_MS = 10 * 60_000;
const encoder = new TextEncoder();

const progressEvent = (view: JobView, version: number) => `id: ${version}\nevent: progress\ndata: ${JSON.stringify(view)}\n\n`;
const endEvent = (status: string) => `event: end\ndata: ${JSON.stringify({ status })}\n\n`;

interface Stream {
  writer: WritableStreamDefaultWriter<Uint8Array>;
  timer?: ReturnType<typeof setTimeout>;
}

/** Server-Sent Events subscribers: `progress` events (the job), then `end`. */
export class EventStreams {
  private readonly open = new Set<Stream>();

  get size(): number {
    return this.open.size;
  }

  /** A new stream that starts with the job's current state; a finished job's ends at once. */
  subscribe(view: JobView, version: number, finished: boolean): Response {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const stream: Stream = { writer: writable.getWriter() };
    this.write(stream, "retry: 2000\n\n");
    this.write(stream, progressEvent(view, version));
    if (finished) {
      this.write(stream, endEvent(view.status));
      void stream.writer.close().catch(() => undefined);
    } else {
      this.open.add(stream);
      stream.timer = setTimeout(() => this.close(stream), MAX_STREAM_MS);
    }
    return new Response(readable, {
      headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no" },
    });
  }

  progress(view: JobView, version: number): void {
    const event = progressEvent(view, version);
    for (const stream of this.open) this.write(stream, event);
  }

  end(status: string): void {
    for (const stream of [...this.open]) {
      this.write(stream, endEvent(status));
      this.close(stream);
    }
  }

  private write(stream: Stream, text: string): void {
    // A subscriber that went away makes the write fail: forget it.
    stream.writer.write(encoder.encode(text)).catch(() => this.close(stream));
  }

  private close(stream: Stream): void {
    if (stream.timer !== undefined) clearTimeout(stream.timer);
    if (!this.open.delete(stream)) return;
    void stream.writer.close().catch(() => undefined);
  }
}

const send = (ws: WebSocket, frame: JobChannelFrame) => ws.send(JSON.stringify(frame));

/**
 * Accepts a WebSocket subscriber (hibernatable; who it is and since when
 * ride in its attachment) and sends it the current state; a finished job's
 * socket is closed at once.
 */
export function acceptSocket(ctx: DurableObjectState, view: JobView, finished: boolean, userId: string): Response {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  ctx.acceptWebSocket(server);
  server.serializeAttachment({ userId, connectedAt: Date.now() });
  send(server, { type: "progress", job: view });
  if (finished) {
    send(server, { type: "end", status: view.status });
    server.close(1000, "the job has finished");
  }
  return new Response(null, { status: 101, webSocket: client });
}

/** Sends a frame to every socket; `close` ends each connection after it. */
export function toSockets(ctx: DurableObjectState, frame: JobChannelFrame, close = false): void {
  for (const ws of ctx.getWebSockets()) {
    try {
      send(ws, frame);
      if (close) ws.close(1000, "the job has finished");
    } catch {
      // A socket closing as we speak: its close handler tidies it.
    }
  }
}
