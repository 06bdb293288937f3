/**
 * The sockets of a session room. Who a socket belongs to lives in its
 * serialized attachment (and its user id in its tag), not in instance fields:
 * a hibernated or evicted room is rebuilt around the same sockets and must
 * still know them. Send budgets are per user, in room-budgets.ts.
 */

import { type Participant, participantSchema, type ServerFrame, type SessionCloseCode, sessionCloseReasons } from "@studyhall/core";
import { z } from "zod";

/** One typing notice per socket per this long is fanned out; the rest are dropped (typing is advisory). */
export const TYPING_INTERVAL_MS = 2_000;

const attachmentSchema = z.object({
  user: participantSchema,
  /** When the room accepted the socket: presence lists people in the order they came. */
  joinedAt: z.number(),
  typingAt: z.number(),
  /** Set once the room has seen this socket go, so its departure is announced once. */
  left: z.boolean().optional(),
});
export type SocketState = z.infer<typeof attachmentSchema>;

export function readState(ws: WebSocket): SocketState | null {
  const parsed = attachmentSchema.safeParse(ws.deserializeAttachment());
  return parsed.success ? parsed.data : null;
}

export function writeState(ws: WebSocket, state: SocketState): void {
  ws.serializeAttachment(state);
}

const isOpen = (ws: WebSocket) => ws.readyState === WebSocket.OPEN;
const isHere = (ws: WebSocket) => isOpen(ws) && readState(ws)?.left !== true;

/** Sends to one socket; a socket that is going away is skipped (its close handler does the bookkeeping). */
export function sendTo(ws: WebSocket, frame: ServerFrame | string): void {
  try {
    ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  } catch {
    // The peer left between our check and the send; nothing to tell anyone.
  }
}

/**
 * Sends one frame to every open socket, in the order the room accepted them.
 * The frame is serialised once, however many sockets there are.
 */
export function broadcast(ctx: DurableObjectState, frame: ServerFrame, except?: WebSocket): void {
  const text = JSON.stringify(frame);
  for (const ws of ctx.getWebSockets()) if (ws !== except && isOpen(ws)) sendTo(ws, text);
}

/** Everyone with at least one open socket, once each, in the order they came. */
export function presentUsers(ctx: DurableObjectState, leaving?: WebSocket): Participant[] {
  const first = new Map<string, { user: Participant; at: number }>();
  for (const ws of ctx.getWebSockets()) {
    if (ws === leaving || !isOpen(ws)) continue;
    const state = readState(ws);
    if (!state || state.left) continue;
    const seen = first.get(state.user.id);
    if (!seen || state.joinedAt < seen.at) first.set(state.user.id, { user: state.user, at: state.joinedAt });
  }
  return [...first.values()].sort((a, b) => a.at - b.at).map((entry) => entry.user);
}

/** Whether a user has an open socket other than `besides`. */
export function hasOtherSocket(ctx: DurableObjectState, userId: string, besides: WebSocket): boolean {
  return ctx.getWebSockets(userId).some((ws) => ws !== besides && isHere(ws));
}

/** The ids of everyone with an open socket, once each. */
export function connectedUserIds(ctx: DurableObjectState): string[] {
  const ids = new Set<string>();
  for (const ws of ctx.getWebSockets()) {
    const state = isOpen(ws) ? readState(ws) : null;
    if (state && !state.left) ids.add(state.user.id);
  }
  return [...ids];
}

/**
 * Closes every socket of a user on purpose, with `code` and the reason a
 * person can read. Each is marked as gone first, so presence no longer counts
 * it and its close event is not announced again. Returns who they were, or
 * null if they had no socket here.
 */
export function closeUserSockets(ctx: DurableObjectState, userId: string, code: SessionCloseCode): Participant | null {
  let user: Participant | null = null;
  const going: WebSocket[] = [];
  for (const ws of ctx.getWebSockets(userId)) {
    const state = readState(ws);
    if (!state || state.left || !isOpen(ws)) continue;
    user = state.user;
    writeState(ws, { ...state, left: true });
    going.push(ws);
  }
  closeSockets(going, code);
  return user;
}

/** Closes sockets with `code` and its reason; one already going is left to its close handler. */
export function closeSockets(sockets: readonly WebSocket[], code: SessionCloseCode): void {
  for (const ws of sockets) {
    try {
      ws.close(code, sessionCloseReasons[code]);
    } catch {
      // The peer left first; nothing more to do for it.
    }
  }
}

/** Whether a typing notice from this socket should go out now (and notes that it did). */
export function takeTyping(ws: WebSocket, state: SocketState, now: number): boolean {
  if (now - state.typingAt < TYPING_INTERVAL_MS) return false;
  writeState(ws, { ...state, typingAt: now });
  return true;
}
