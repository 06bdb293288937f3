/**
 * One live session (a study room or a tutoring session): it owns the room's
 * WebSockets through the Hibernation API, numbers and stores its messages,
 * and fans them out in one order to everyone. Storage (room-storage.ts),
 * tickets (room-tickets.ts), send budgets (room-budgets.ts) and socket
 * attachments (room-sockets.ts) hold all its state, so it may be evicted at
 * any moment between two frames.
 *
 * The API calls `init` when it creates the session and `issueTicket` after
 * checking a caller's access; the browser then connects with the ticket and
 * `fetch` upgrades it. The jobs worker's tutor speaks through `postBotMessage`
 * and reports read `transcript`. Access is held while connected, not only at
 * the door: `recheckAccess` (pushed by the API, and run by the alarm while
 * anyone is here) disconnects whoever may no longer join (room-access.ts).
 */
import { DurableObject } from "cloudflare:workers";
import {
  type MessageAuthor,
  type Participant,
  PING_FRAME,
  PONG_FRAME,
  parseClientFrame,
  type RoomErrorCode,
  type RoomMessage,
  type ServerFrame,
  sessionCloseCodes,
} from "@studyhall/core";
import { z } from "zod";
import { judgeAccess, RECHECK_INTERVAL_MS } from "./room-access.ts";
import { RoomBudgets } from "./room-budgets.ts";
import { botInput, connectQuery, historyInput, id, initInput, ticketInput } from "./room-inputs.ts";
import {
  broadcast,
  closeSockets,
  closeUserSockets,
  connectedUserIds,
  hasOtherSocket,
  presentUsers,
  readState,
  type SocketState,
  sendTo,
  takeTyping,
  writeState,
} from "./room-sockets.ts";
import { type Notice, type NoticeInput, type RoomMeta, RoomStore } from "./room-storage.ts";
import { DEFAULT_TICKET_TTL_MS, RoomTickets } from "./room-tickets.ts";
import { requestTutorAnswer, tutorQuestion } from "./room-tutor.ts";

const TUTOR: MessageAuthor = { id: "tutor", name: "Tutor", role: "tutor" };
const SYSTEM: MessageAuthor = { id: "system", name: "studyhall", role: "system" };
/** At most this many frames are replayed on resume; more, and the client is told to page through history. */
const REPLAY_LIMIT = 1000;
const PRESENCE_RETENTION_MS = 24 * 3600_000;

export type SessionRoomInit = z.input<typeof initInput>;
export type PostBotMessageInput = z.input<typeof botInput>;

const errorFrame = (code: RoomErrorCode, message: string): ServerFrame => ({ type: "error", code, message });
// A stored message is the frame of its own type.
const frameOf = (item: RoomMessage | Notice) => item as ServerFrame;
const refusal = (status: number, detail: string) => Response.json({ status, detail }, { status });

export class SessionRoom extends DurableObject {
  private readonly store: RoomStore;
  private readonly tickets: RoomTickets;
  private readonly budgets: RoomBudgets;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.store = new RoomStore(ctx.storage.sql);
    this.tickets = new RoomTickets(ctx.storage.sql);
    this.budgets = new RoomBudgets(ctx.storage.sql);
    // Keep-alive pings are answered by the runtime without waking the room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  /** Sets the room up for its session; calling it again changes nothing. */
  async init(input: SessionRoomInit): Promise<void> {
    const meta = initInput.parse(input);
    this.store.init(meta, Date.now());
  }

  /** A single-use ticket to connect with, valid for `ttlMs` (30 s by default). */
  async issueTicket(input: z.input<typeof ticketInput>): Promise<{ ticket: string; expiresAt: number }> {
    const { userId, name, role, ttlMs } = ticketInput.parse(input);
    const meta = this.store.meta();
    if (meta?.status !== "open") throw new Error("This session is not open.");
    const issued = await this.tickets.issue({ id: userId, name, role }, ttlMs ?? DEFAULT_TICKET_TTL_MS, Date.now());
    await this.wakeBy(issued.expiresAt + 1000);
    return issued;
  }

  /** The WebSocket upgrade forwarded by the API: `?ticket=…&lastSeq=…`. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return refusal(400, "Expected a WebSocket upgrade.");
    const query = connectQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!query.success) return refusal(400, "lastSeq must be a whole number.");
    const user = query.data.ticket ? await this.tickets.take(query.data.ticket, Date.now()) : null;
    if (!user) return refusal(401, "The ticket is missing, unknown, used or expired; ask for a new one.");
    const meta = this.store.meta();
    if (meta?.status !== "open") return refusal(401, "This session is closed.");

    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, [user.id]);
    writeState(server, { user, joinedAt: Date.now(), typingAt: 0 });
    sendTo(server, { type: "welcome", you: user, present: presentUsers(this.ctx), lastSeq: meta.lastSeq, session: summary(meta) });
    if (query.data.lastSeq !== undefined) this.replay(server, query.data.lastSeq);
    if (!hasOtherSocket(this.ctx, user.id, server))
      this.announce({ type: "presence", event: "joined", user, present: presentUsers(this.ctx) });
    await this.wakeBy(Date.now() + RECHECK_INTERVAL_MS);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const state = readState(ws);
    if (!state) return ws.close(1011, "unknown connection");
    const parsed = parseClientFrame(data);
    if (!parsed.ok) return sendTo(ws, errorFrame(parsed.code, parsed.message));
    const frame = parsed.frame;
    const now = Date.now();
    switch (frame.type) {
      case "ping":
        return sendTo(ws, { type: "pong" });
      case "resume":
        // Each replay may send a thousand frames: budgeted per person, like chat.
        if (!this.budgets.take(state.user.id, "resume", now))
          return sendTo(ws, errorFrame("rate-limited", "You are asking to resume too often; wait a few seconds."));
        return this.replay(ws, frame.lastSeq);
      case "typing":
        if (!this.store.isMuted(state.user.id) && takeTyping(ws, state, now)) broadcast(this.ctx, { type: "typing", user: state.user }, ws);
        return;
      case "chat":
        return this.chat(ws, state, frame.text, now);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      // Complete the closing handshake; 1005/1006 only describe a close and cannot be sent.
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "bye");
    } catch {
      // Already closed from our side.
    }
    this.leave(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.leave(ws);
  }

  /** Prunes what expired and, while anyone is connected, re-checks their access and comes back later. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.store.prune(now - PRESENCE_RETENTION_MS);
    this.budgets.prune(now);
    if (connectedUserIds(this.ctx).length) {
      try {
        await this.recheckAccess();
      } catch (error) {
        // D1 unreachable: keep everyone until the next round rather than retrying the alarm in a loop.
        console.error(
          JSON.stringify({
            level: "error",
            msg: "room access re-check failed",
            sessionId: this.store.meta()?.sessionId,
            error: String(error),
          }),
        );
      }
    }
    const wakes: number[] = [];
    const ticketExpiry = this.tickets.prune(Date.now());
    if (ticketExpiry !== null) wakes.push(ticketExpiry + 1000);
    if (connectedUserIds(this.ctx).length) wakes.push(Date.now() + RECHECK_INTERVAL_MS);
    if (wakes.length) await this.ctx.storage.setAlarm(Math.min(...wakes));
  }

  /**
   * Asks D1 whether everyone connected (or holding a ticket) may still join,
   * and disconnects whoever may not with `accessRevoked`, voiding their
   * tickets; a session closed or gone in D1 is closed here too. Returns who
   * was shut out.
   */
  async recheckAccess(): Promise<{ revoked: string[]; closed: boolean }> {
    const meta = this.store.meta();
    if (meta?.status !== "open") return { revoked: [], closed: meta?.status === "closed" };
    const people = [...new Set([...connectedUserIds(this.ctx), ...this.tickets.holders(Date.now())])];
    const verdict = await judgeAccess(this.env, meta.sessionId, people);
    if (verdict.session !== "open") {
      await this.closeRoom();
      return { revoked: [], closed: true };
    }
    this.tickets.voidFor(verdict.revoked);
    for (const userId of verdict.revoked) {
      const user = closeUserSockets(this.ctx, userId, sessionCloseCodes.accessRevoked);
      // Announced here, once: the sockets' own close events find them already marked as gone.
      if (user) this.announce({ type: "presence", event: "left", user, present: presentUsers(this.ctx) });
    }
    return { revoked: verdict.revoked, closed: false };
  }

  /** Messages before `before` (the newest page when absent), in ascending seq order. */
  async history(input: z.input<typeof historyInput>): Promise<{ messages: RoomMessage[]; nextBefore: number | null }> {
    const { before, limit } = historyInput.parse(input);
    return this.store.history(before, limit);
  }

  /** Every chat and tutor message still standing, in seq order. */
  async transcript(): Promise<RoomMessage[]> {
    return this.store.transcript();
  }

  /** Who is connected now. */
  async presence(): Promise<Participant[]> {
    return presentUsers(this.ctx);
  }

  /**
   * The AI tutor speaks. Without `streamId`: one message. With it: each call
   * appends a piece (clients get `tutor-chunk`; the answer is `{ seq: 0 }`
   * because nothing is stored yet) until `final: true` stores and sends the
   * whole answer. Finishing a stream twice returns the first message's seq, so
   * a retried job does not post its answer again.
   */
  async postBotMessage(input: PostBotMessageInput): Promise<{ seq: number }> {
    const body = botInput.parse(input);
    if (!this.store.meta()) throw new Error("This session room was never set up.");
    const now = Date.now();
    if (!body.streamId)
      return {
        seq: this.post({ type: "tutor", author: TUTOR, text: body.text, citations: body.citations, replyToSeq: body.replyToSeq }, now),
      };
    const finished = this.store.streamMessageSeq(body.streamId);
    if (finished !== null) return { seq: finished };
    if (!body.final) {
      const text = this.store.appendStream(body.streamId, body.text, body.replyToSeq, now);
      broadcast(this.ctx, {
        type: "tutor-chunk",
        streamId: body.streamId,
        delta: body.text,
        text,
        ...(body.replyToSeq ? { replyToSeq: body.replyToSeq } : {}),
      });
      return { seq: 0 };
    }
    const pending = this.store.takeStream(body.streamId);
    const replyToSeq = body.replyToSeq ?? pending?.replyToSeq ?? undefined;
    return {
      seq: this.post(
        {
          type: "tutor",
          author: TUTOR,
          text: (pending?.text ?? "") + body.text,
          citations: body.citations,
          replyToSeq,
          streamId: body.streamId,
        },
        now,
      ),
    };
  }

  /** Removes a message for everyone; false if there is no such message. */
  async deleteMessage(input: { seq: number }): Promise<boolean> {
    const { seq } = z.object({ seq: z.number().int().positive() }).parse(input);
    if (!this.store.deleteMessage(seq, Date.now())) return false;
    this.announce({ type: "deleted", messageSeq: seq });
    return true;
  }

  /** Mutes or unmutes a participant; everyone is told when it changes. */
  async setMute(input: { userId: string; muted: boolean }): Promise<void> {
    const { userId, muted } = z.object({ userId: id, muted: z.boolean() }).parse(input);
    if (this.store.setMuted(userId, muted, Date.now())) this.announce({ type: "muted", userId, muted });
  }

  /** Ends the session: no more tickets or messages; everyone is told and disconnected. History stays. */
  async closeRoom(): Promise<void> {
    const meta = this.store.meta();
    if (!meta || meta.status === "closed") return;
    this.store.close();
    this.post({ type: "system", author: SYSTEM, text: "This session was closed." }, Date.now());
    closeSockets(this.ctx.getWebSockets(), sessionCloseCodes.sessionClosed);
  }

  private async chat(ws: WebSocket, state: SocketState, text: string, now: number): Promise<void> {
    const user = state.user;
    const meta = this.store.meta();
    if (meta?.status !== "open") return sendTo(ws, errorFrame("session-closed", "This session is closed."));
    if (this.store.isMuted(user.id))
      return sendTo(ws, errorFrame("muted", "A moderator muted you in this session; your message was not sent."));
    if (!this.budgets.take(user.id, "chat", now))
      return sendTo(ws, errorFrame("rate-limited", "You are sending messages too fast; wait a few seconds."));
    // Numbered, stored and sent to every socket in one synchronous step: everyone sees one order.
    const seq = this.post({ type: "chat", author: user, text }, now);
    const question = tutorQuestion(text);
    if (question === null) return;
    try {
      const asked = await requestTutorAnswer(this.env, meta, user, question, seq);
      if (!asked.ok) sendTo(ws, errorFrame(asked.code, asked.message));
    } catch (error) {
      console.error(JSON.stringify({ level: "error", msg: "tutor request failed", sessionId: meta.sessionId, error: String(error) }));
      sendTo(ws, errorFrame("tutor-unavailable", "The tutor could not be asked just now; try again."));
    }
  }

  private post(message: Parameters<RoomStore["addMessage"]>[0], now: number): number {
    const stored = this.store.addMessage(message, now);
    broadcast(this.ctx, frameOf(stored));
    return stored.seq;
  }

  private announce(notice: NoticeInput): void {
    broadcast(this.ctx, this.store.addNotice(notice, Date.now()));
  }

  private replay(ws: WebSocket, lastSeq: number): void {
    const { frames, truncated } = this.store.framesAfter(lastSeq, REPLAY_LIMIT);
    for (const frame of frames) sendTo(ws, frameOf(frame));
    if (truncated)
      sendTo(ws, errorFrame("resume-truncated", `Only the first ${REPLAY_LIMIT} missed events were sent; read the rest from the history.`));
  }

  /** Makes sure the alarm rings no later than `at`. */
  private async wakeBy(at: number): Promise<void> {
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > at) await this.ctx.storage.setAlarm(at);
  }

  private leave(ws: WebSocket): void {
    const state = readState(ws);
    if (!state || state.left) return;
    // Close and error may both be reported for one socket: announce once.
    writeState(ws, { ...state, left: true });
    if (this.store.meta()?.status !== "open" || hasOtherSocket(this.ctx, state.user.id, ws)) return;
    this.announce({ type: "presence", event: "left", user: state.user, present: presentUsers(this.ctx, ws) });
  }
}

function summary(meta: RoomMeta) {
  return { id: meta.sessionId, kind: meta.kind, title: meta.title, courseId: meta.courseId, status: meta.status };
}
