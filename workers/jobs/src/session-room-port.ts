/**
 * What the tutor and the report jobs need of a session's room (a Durable
 * Object hosted by the API worker): post the tutor's answer, page through
 * history, read the transcript. Handlers take it as a dependency, so a test
 * can hand them a double through the same door; what comes back over RPC is
 * validated like any other input.
 */

import { type RoomMessage, roomMessageSchema } from "@studyhall/core";
import type { PostBotMessageInput } from "@studyhall/objects";
import { objects } from "@studyhall/objects/bindings";
import { z } from "zod";

export interface SessionRoomPort {
  postBotMessage(input: PostBotMessageInput): Promise<{ seq: number }>;
  history(input: { before?: number; limit: number }): Promise<{ messages: RoomMessage[]; nextBefore: number | null }>;
  transcript(): Promise<RoomMessage[]>;
}

export type RoomFor = (env: JobsEnv, sessionId: string) => SessionRoomPort;

/** The real room, through this worker's binding to the API worker's class. */
export const sessionRoomFor: RoomFor = (env, sessionId) => objects(env).sessionRoom.getByName(sessionId);

const historyPage = z.object({ messages: z.array(roomMessageSchema), nextBefore: z.number().int().nullable() });
const postResult = z.object({ seq: z.number().int().min(0) });

/** The room's whole transcript (chat and tutor messages, in order), validated. */
export async function readTranscript(room: SessionRoomPort): Promise<RoomMessage[]> {
  return z.array(roomMessageSchema).parse(await room.transcript());
}

/** Posts to the room; returns the seq of the stored message (0 for a piece of a stream not yet finished). */
export async function postToRoom(room: SessionRoomPort, input: PostBotMessageInput): Promise<number> {
  return postResult.parse(await room.postBotMessage(input)).seq;
}

/**
 * The tutor's answer to message `replyToSeq`, if one was already posted: a
 * redelivered job must not answer twice. Pages back from the newest message
 * until it passes the question (an answer always comes after it).
 */
export async function postedAnswer(room: SessionRoomPort, replyToSeq: number): Promise<number | null> {
  let before: number | undefined;
  for (;;) {
    const page = historyPage.parse(await room.history({ before, limit: 200 }));
    const answer = page.messages.find((m) => m.type === "tutor" && m.replyToSeq === replyToSeq);
    if (answer) return answer.seq;
    const oldest = page.messages[0]?.seq;
    if (page.nextBefore === null || oldest === undefined || oldest <= replyToSeq) return null;
    before = page.nextBefore;
  }
}
