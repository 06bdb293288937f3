/**
 * The floor's room: a Durable Object that accepts WebSockets through the
 * hibernation API and, per message, serialises one frame once and sends it to
 * every socket. No tickets, no membership, no history, no send limits: the
 * least a broadcast to N sockets can cost.
 */
import { DurableObject } from "cloudflare:workers";

export class FloorRoom extends DurableObject<Env> {
  private seq = 0;

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade") !== "websocket") return new Response("expected a WebSocket", { status: 426 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    // The same first frame studyhall's SessionRoom sends, so one client drives both rooms.
    server.send(JSON.stringify({ type: "welcome", lastSeq: this.seq }));
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(_ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string") return;
    let text: unknown;
    try {
      text = (JSON.parse(message) as { text?: unknown }).text;
    } catch {
      return;
    }
    if (typeof text !== "string") return;
    const frame = JSON.stringify({ type: "chat", seq: ++this.seq, text });
    for (const socket of this.ctx.getWebSockets()) {
      try {
        socket.send(frame);
      } catch {
        // A socket closing as the message goes out misses it, as it would in studyhall's room.
      }
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    ws.close(code === 1005 ? 1000 : code, "closed");
  }
}
