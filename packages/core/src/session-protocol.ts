/**
 * The live-session protocol: every frame a client and a session room send
 * each other over a WebSocket, as one zod discriminated union per direction,
 * plus the stored message shape (`RoomMessage`) that history, transcripts and
 * the AI tutor share. Frames are JSON text, at most `MAX_FRAME_BYTES`.
 *
 * Sequencing: the room numbers every durable event with one per-room `seq`
 * (chat, tutor and system messages, `deleted`, `presence`, `muted`), so a
 * client that keeps the highest `seq` it saw can reconnect with `lastSeq` and
 * be sent exactly what it missed. `typing`, `tutor-chunk`, `error`, `pong` and
 * `welcome` are not sequenced. Numbers only grow; a client must not assume
 * they are contiguous (a deleted message leaves a gap in history).
 */
import { z } from "zod";
import { roleSchema } from "./accounts.ts";

/** The largest frame either side may send, in bytes of UTF-8. */
export const MAX_FRAME_BYTES = 8 * 1024;
/** The longest chat message, in characters. */
export const MAX_CHAT_CHARS = 4000;
/** What a client sends to keep a connection warm; the room answers `PONG_FRAME` without waking up. */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';

/**
 * Close codes a room ends a connection with on purpose, each with the reason it sends. A client must not
 * reconnect after one of these (nor after 1000, a normal goodbye): another ticket would be refused.
 */
export const sessionCloseCodes = {
  /** The participant may no longer join: uninvited, unenrolled, role changed, removed, or the course unpublished, hidden or deleted. */
  accessRevoked: 4403,
  /** The session was closed by its teacher or an admin. */
  sessionClosed: 4410,
} as const;
export type SessionCloseCode = (typeof sessionCloseCodes)[keyof typeof sessionCloseCodes];

/** What a person is told when the room closes their connection (WebSocket reasons are at most 123 bytes). */
export const sessionCloseReasons: Record<SessionCloseCode, string> = {
  [sessionCloseCodes.accessRevoked]: "You no longer have access to this session.",
  [sessionCloseCodes.sessionClosed]: "This session was closed.",
};

/**
 * Whether a close ends the connection for good, so a client should not come back.
 * @example isFinalClose(4403) // true: access was revoked
 * @example isFinalClose(1006) // false: the network dropped; reconnect with lastSeq
 */
export function isFinalClose(code: number): boolean {
  return code === 1000 || code in sessionCloseReasons;
}

export const participantSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: roleSchema,
});
export type Participant = z.infer<typeof participantSchema>;

/** Who wrote a message: a participant, the AI tutor (`role: "tutor"`) or the room itself (`role: "system"`). */
export const messageAuthorSchema = z.object({ id: z.string(), name: z.string(), role: z.string() });
export type MessageAuthor = z.infer<typeof messageAuthorSchema>;

export const citationSchema = z.object({
  title: z.string().max(300),
  pageStart: z.number().int().min(0).optional(),
  pageEnd: z.number().int().min(0).optional(),
  quote: z.string().max(2000),
});
export type Citation = z.infer<typeof citationSchema>;

export const roomMessageTypes = ["chat", "tutor", "system"] as const;

/** A stored message of a room, as history, transcripts and the live stream show it. */
export const roomMessageSchema = z.object({
  seq: z.number().int().positive(),
  type: z.enum(roomMessageTypes),
  author: messageAuthorSchema,
  text: z.string(),
  /** Milliseconds since the epoch. */
  at: z.number().int(),
  citations: z.array(citationSchema).optional(),
  replyToSeq: z.number().int().positive().optional(),
  deleted: z.boolean().optional(),
});
export type RoomMessage = z.infer<typeof roomMessageSchema>;

// ---- client -> room ----

export const clientFrameSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("chat"), text: z.string().trim().min(1).max(MAX_CHAT_CHARS) }),
  z.object({ type: z.literal("typing") }),
  /** Send me every sequenced frame after `lastSeq`, then carry on live. */
  z.object({ type: z.literal("resume"), lastSeq: z.number().int().min(0) }),
  z.object({ type: z.literal("ping") }),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;

// ---- room -> client ----

const messageFrame = <T extends (typeof roomMessageTypes)[number]>(type: T) => roomMessageSchema.extend({ type: z.literal(type) });

export const sessionSummarySchema = z.object({
  id: z.string(),
  kind: z.enum(["study-room", "tutoring"]),
  title: z.string(),
  courseId: z.string().nullable(),
  status: z.enum(["open", "closed"]),
});

export const errorCodes = [
  "bad-frame",
  "frame-too-large",
  "rate-limited",
  "muted",
  "quota-exceeded",
  "tutor-unavailable",
  "resume-truncated",
  "session-closed",
] as const;
export type RoomErrorCode = (typeof errorCodes)[number];

export const serverFrameSchema = z.discriminatedUnion("type", [
  /** First frame on every connection. `lastSeq` is the room's newest seq when you joined. */
  z.object({
    type: z.literal("welcome"),
    you: participantSchema,
    present: z.array(participantSchema),
    lastSeq: z.number().int().min(0),
    session: sessionSummarySchema,
  }),
  messageFrame("chat"),
  messageFrame("tutor"),
  messageFrame("system"),
  /** A piece of a tutor answer being written; `text` is everything so far. The finished answer follows as a `tutor` message. */
  z.object({
    type: z.literal("tutor-chunk"),
    streamId: z.string(),
    delta: z.string(),
    text: z.string(),
    replyToSeq: z.number().int().positive().optional(),
  }),
  /** A participant's first connection opened or last one closed; `present` is everyone here now. */
  z.object({
    type: z.literal("presence"),
    seq: z.number().int().positive(),
    event: z.enum(["joined", "left"]),
    user: participantSchema,
    present: z.array(participantSchema),
  }),
  z.object({ type: z.literal("typing"), user: participantSchema }),
  /** Message `messageSeq` was removed by a moderator; `seq` is this event's own place in the room. */
  z.object({ type: z.literal("deleted"), seq: z.number().int().positive(), messageSeq: z.number().int().positive() }),
  z.object({ type: z.literal("muted"), seq: z.number().int().positive(), userId: z.string(), muted: z.boolean() }),
  z.object({ type: z.literal("error"), code: z.enum(errorCodes), message: z.string() }),
  z.object({ type: z.literal("pong") }),
]);
export type ServerFrame = z.infer<typeof serverFrameSchema>;

/**
 * Reads one client frame; never throws.
 * @example parseClientFrame('{"type":"chat","text":"hi"}') // { ok: true, frame: { type: "chat", text: "hi" } }
 */
export function parseClientFrame(
  data: string | ArrayBuffer,
): { ok: true; frame: ClientFrame } | { ok: false; code: RoomErrorCode; message: string } {
  if (typeof data !== "string") return { ok: false, code: "bad-frame", message: "Frames are JSON text, not binary." };
  if (new TextEncoder().encode(data).byteLength > MAX_FRAME_BYTES)
    return { ok: false, code: "frame-too-large", message: `Frames are at most ${MAX_FRAME_BYTES} bytes.` };
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { ok: false, code: "bad-frame", message: "The frame is not valid JSON." };
  }
  const parsed = clientFrameSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      code: "bad-frame",
      message: `Invalid frame${issue ? ` at ${issue.path.join(".") || "type"}: ${issue.message}` : ""}.`,
    };
  }
  return { ok: true, frame: parsed.data };
}
