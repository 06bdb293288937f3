/**
 * Live-session test fixtures: a small published course on photosynthesis
 * (a parsed document with sections, modules and lessons, written straight to
 * D1 so no PDF has to be generated), and people talking in a session room
 * through the real API: tickets, WebSockets and chat frames.
 */
import { SELF } from "cloudflare:test";
import { courses, documentSections, documents, lessons, modules, together } from "@studyhall/db";
import { expect } from "vitest";
import { PHOTOSYNTHESIS_LESSONS } from "../../../packages/llm/src/fixtures/tutoring-session.ts";
import { type Actor, BASE, call, json } from "../../../test/helpers/api.ts";
import { db } from "./run-jobs.ts";

export interface SeededCourse {
  courseId: string;
  documentId: string;
  /** Lesson ids by title. */
  lessonIds: Map<string, string>;
}

/** A published course owned by `teacher`, made from a two-page-per-section document about photosynthesis. */
export async function seedPhotosynthesisCourse(teacher: Actor): Promise<SeededCourse> {
  const documentId = crypto.randomUUID();
  const courseId = crypto.randomUUID();
  const moduleIds = [crypto.randomUUID(), crypto.randomUUID()];
  const lessonIds = new Map(PHOTOSYNTHESIS_LESSONS.map((l) => [l.title, crypto.randomUUID()]));
  await together(db(), (q) => [
    q.insert(documents).values({
      id: documentId,
      orgId: teacher.orgId,
      ownerId: teacher.id,
      title: "Photosynthesis notes",
      r2Key: `test/${documentId}.pdf`,
      sha256: crypto.randomUUID(),
      bytes: 1000,
      pageCount: 10,
      status: "parsed",
    }),
    q.insert(documentSections).values(
      PHOTOSYNTHESIS_LESSONS.map((l, i) => ({
        documentId,
        position: i,
        title: l.title,
        level: 1,
        pageStart: 2 * i + 1,
        pageEnd: 2 * i + 2,
        text: l.body.replace(/\. /g, ".\n\n"),
      })),
    ),
    q.insert(courses).values({
      id: courseId,
      orgId: teacher.orgId,
      ownerId: teacher.id,
      documentId,
      title: "Photosynthesis",
      status: "PUBLISHED",
      publishedAt: new Date(),
    }),
    q
      .insert(modules)
      .values(moduleIds.map((id, i) => ({ id, courseId, position: i, title: i === 0 ? "Capturing light" : "Using the energy" }))),
    q.insert(lessons).values(
      PHOTOSYNTHESIS_LESSONS.map((l, i) => ({
        id: lessonIds.get(l.title)!,
        courseId,
        moduleId: moduleIds[i < 2 ? 0 : 1]!,
        position: i < 2 ? i : i - 2,
        title: l.title,
        bodyMd: l.body,
      })),
    ),
  ]);
  return { courseId, documentId, lessonIds };
}

/** A session opened through the API. */
export async function openSession(teacher: Actor, body: Record<string, unknown>): Promise<string> {
  const response = await call("/v1/sessions", { token: teacher.token, body });
  expect(response.status).toBe(201);
  return (await json(response)).id;
}

export type RoomFrame = {
  type: string;
  seq?: number;
  text?: string;
  replyToSeq?: number;
  streamId?: string;
  citations?: { title: string; pageStart?: number; pageEnd?: number; quote: string }[];
  [k: string]: unknown;
};

export interface RoomSocket {
  frames: RoomFrame[];
  /** Sends a chat message and waits for the room to number it (saying it again if the room asks to slow down); returns its seq. */
  say(text: string): Promise<number>;
  /** Waits for a frame matching `test`, among those received from index `from` on or still to come. */
  next(test: (f: RoomFrame) => boolean, from?: number): Promise<RoomFrame>;
  close(): void;
}

/** Connects `actor` to the session's room through the API, as a browser would. */
export async function connect(sessionId: string, actor: Actor): Promise<RoomSocket> {
  const ticket = await call(`/v1/sessions/${sessionId}/ticket`, { token: actor.token, method: "POST" });
  expect(ticket.status).toBe(201);
  const response = await SELF.fetch(`${BASE}/v1/sessions/${sessionId}/ws?ticket=${(await json(ticket)).ticket}`, {
    headers: { Upgrade: "websocket" },
  });
  expect(response.status).toBe(101);
  const ws = response.webSocket!;
  const frames: RoomFrame[] = [];
  const waiters: { test: (f: RoomFrame) => boolean; resolve: (f: RoomFrame) => void }[] = [];
  ws.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data as string) as RoomFrame;
    frames.push(frame);
    for (const w of [...waiters]) {
      if (w.test(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    }
  });
  ws.accept();
  const next = (test: (f: RoomFrame) => boolean, from = 0) => {
    const seen = frames.slice(from).find(test);
    return seen ? Promise.resolve(seen) : new Promise<RoomFrame>((resolve) => waiters.push({ test, resolve }));
  };
  return {
    frames,
    next,
    async say(text) {
      for (;;) {
        const echoed = next((f) => (f.type === "chat" && f.text === text) || f.type === "error", frames.length);
        ws.send(JSON.stringify({ type: "chat", text }));
        const frame = await echoed;
        if (frame.type === "chat") return frame.seq!;
        if (frame.code !== "rate-limited") throw new Error(`the room refused: ${JSON.stringify(frame)}`);
        // Over the person's 10 messages in 10 s: wait for the window to move on, as a client would.
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    },
    close: () => ws.close(1000, "done"),
  };
}

/**
 * People taking turns in a room, one socket each. The room lets a person send
 * 10 messages in 10 s however many sockets they hold, so a long script pauses
 * where a speaker reaches that.
 */
export async function converse(
  sessionId: string,
  people: Record<string, Actor>,
  lines: readonly (readonly [string, string])[],
): Promise<Map<number, string>> {
  const sockets = new Map<string, RoomSocket>();
  const texts = new Map<number, string>();
  for (const [who, text] of lines) {
    const socket = sockets.get(who) ?? (await connect(sessionId, people[who]!));
    sockets.set(who, socket);
    texts.set(await socket.say(text), text);
  }
  for (const socket of sockets.values()) socket.close();
  return texts;
}
