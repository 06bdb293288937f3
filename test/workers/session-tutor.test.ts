/** The AI tutor's side of a room: `@tutor` becomes a job; the tutor speaks through postBotMessage; reports read the transcript. */

import { env } from "cloudflare:test";
import { chargeTokens, jobs } from "@studyhall/db";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { call, json } from "../helpers/api.ts";
import { newClassroom, RoomClient } from "../helpers/room-client.ts";
import { testDb } from "../helpers/test-db.ts";

type JobRow = typeof jobs.$inferSelect;

async function tutorJobs(ownerId: string): Promise<JobRow[]> {
  return testDb()
    .select()
    .from(jobs)
    .where(and(eq(jobs.kind, "tutor-answer"), eq(jobs.ownerId, ownerId)));
}

/** The room creates the job after fanning the message out; wait for its row (bounded). */
async function untilJobs(ownerId: string, count: number): Promise<JobRow[]> {
  for (let i = 0; i < 100; i++) {
    const rows = await tutorJobs(ownerId);
    if (rows.length >= count) return rows;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${count} tutor-answer job(s) for ${ownerId}`);
}

describe("@tutor", () => {
  it("a question to @tutor in a study room with a course becomes a high-priority tutor-answer job owned by the asker", async () => {
    const { admin, students, courseId, roomId } = await newClassroom();
    const asker = await RoomClient.join(students[0], roomId);
    asker.send({ type: "chat", text: "@tutor what is a trace tree?" });
    await asker.until(() => asker.messages().length === 1);
    const question = asker.messages()[0]!;
    expect(question).toMatchObject({ type: "chat", text: "@tutor what is a trace tree?" });

    const [job] = await untilJobs(students[0].id, 1);
    expect(job).toMatchObject({ kind: "tutor-answer", lane: "high", status: "queued", orgId: admin.orgId });
    expect(job!.payload).toEqual({
      sessionId: roomId,
      orgId: admin.orgId,
      courseId,
      question: "what is a trace tree?",
      replyToSeq: question.seq,
      askedBy: students[0].id,
    });
    expect(asker.errors()).toEqual([]);
    asker.close();
  });

  it("a plain message makes no job, and a spent monthly quota is refused with an error frame", async () => {
    const { admin, students, roomId } = await newClassroom();
    const asker = await RoomClient.join(students[1], roomId);
    asker.send({ type: "chat", text: "no tutor here, @tutor is mid-sentence" });
    await asker.until(() => asker.messages().length === 1);
    await chargeTokens(testDb(), { orgId: admin.orgId, userId: students[1].id, amount: 10_000_000 });

    asker.send({ type: "chat", text: "@tutor explain guards" });
    await asker.until(() => asker.errors().some((e) => e.code === "quota-exceeded"));
    expect(await tutorJobs(students[1].id)).toEqual([]);
    asker.close();
  });

  it(".security: five sockets give a student no more tutor questions than one: the limit is per user, across connections", async () => {
    const { students, roomId } = await newClassroom();
    const sockets = await Promise.all(Array.from({ length: 5 }, () => RoomClient.join(students[0], roomId)));
    // Two questions from each socket: ten in all, each socket well inside its own send budget.
    sockets.forEach((socket, i) => {
      socket.send({ type: "chat", text: `@tutor what is a trace, take ${i}a?` });
      socket.send({ type: "chat", text: `@tutor what is a guard, take ${i}b?` });
    });
    const limited = () => sockets.flatMap((s) => s.errors()).filter((e) => e.code === "rate-limited");
    for (let i = 0; i < 200 && limited().length < 5; i++) await new Promise((r) => setTimeout(r, 25));
    expect(limited()).toHaveLength(5);
    expect(limited()[0]!.message).toContain("5 times a minute");
    expect(await untilJobs(students[0].id, 5)).toHaveLength(5);
    // Another student of the same room has a limit of their own.
    const other = await RoomClient.join(students[1], roomId);
    other.send({ type: "chat", text: "@tutor and what is a trace tree?" });
    expect(await untilJobs(students[1].id, 1)).toHaveLength(1);
    expect(other.errors()).toEqual([]);
    for (const socket of [...sockets, other]) socket.close();
  });

  it("in a tutoring session @tutor is not available, and says so", async () => {
    const { teacher, students } = await newClassroom();
    const session = await json(await call("/v1/sessions", { token: teacher.token, body: { kind: "tutoring", studentId: students[0].id } }));
    const client = await RoomClient.join(students[0], session.id);
    client.send({ type: "chat", text: "@tutor help" });
    await client.until(() => client.errors().some((e) => e.code === "tutor-unavailable"));
    expect(await tutorJobs(students[0].id)).toEqual([]);
    client.close();
  });
});

describe("the tutor speaks", () => {
  it("a streamed answer reaches everyone piece by piece, then as one stored message; finishing twice posts it once", async () => {
    const { teacher, students, roomId } = await newClassroom();
    const viewers = [await RoomClient.join(teacher, roomId), await RoomClient.join(students[0], roomId)];
    viewers[1]!.send({ type: "chat", text: "@tutor what is a guard?" });
    await viewers[0]!.until(() => viewers[0]!.messages().length === 1);
    const replyToSeq = viewers[0]!.messages()[0]!.seq;
    const room = env.SESSION_ROOM.getByName(roomId);

    expect(await room.postBotMessage({ text: "A guard ", streamId: "s1", replyToSeq })).toEqual({ seq: 0 });
    expect(await room.postBotMessage({ text: "checks a ", streamId: "s1" })).toEqual({ seq: 0 });
    const citations = [{ title: "Trace trees", pageStart: 3, quote: "guards check the assumptions" }];
    const { seq } = await room.postBotMessage({ text: "trace's assumptions.", streamId: "s1", final: true, citations });
    expect(seq).toBeGreaterThan(replyToSeq);
    expect(await room.postBotMessage({ text: "again", streamId: "s1", final: true })).toEqual({ seq });

    for (const viewer of viewers) {
      await viewer.until(() => viewer.messages().some((m) => m.type === "tutor"));
      const chunks = viewer.frames.filter((f) => f.type === "tutor-chunk");
      expect(chunks.map((c) => c.text)).toEqual(["A guard ", "A guard checks a "]);
      expect(viewer.messages().filter((m) => m.type === "tutor")).toEqual([
        expect.objectContaining({
          seq,
          text: "A guard checks a trace's assumptions.",
          replyToSeq,
          citations,
          author: { id: "tutor", name: "Tutor", role: "tutor" },
        }),
      ]);
    }

    const plain = await room.postBotMessage({ text: "Anything else?" });
    const transcript = await room.transcript();
    expect(transcript.map((m) => [m.type, m.text])).toEqual([
      ["chat", "@tutor what is a guard?"],
      ["tutor", "A guard checks a trace's assumptions."],
      ["tutor", "Anything else?"],
    ]);
    expect(transcript.at(-1)!.seq).toBe(plain.seq);
    for (const v of viewers) v.close();
  });

  it("the transcript leaves out deleted messages and the room's own notices", async () => {
    const { teacher, roomId } = await newClassroom();
    const host = await RoomClient.join(teacher, roomId);
    for (const text of ["first", "oops", "last"]) host.send({ type: "chat", text });
    await host.until(() => host.messages().length === 3);
    await call(`/v1/sessions/${roomId}/messages/${host.messages()[1]!.seq}`, { method: "DELETE", token: teacher.token });
    await call(`/v1/sessions/${roomId}/close`, { method: "POST", token: teacher.token });
    const transcript = await env.SESSION_ROOM.getByName(roomId).transcript();
    expect(transcript.map((m) => m.text)).toEqual(["first", "last"]);
  });
});
