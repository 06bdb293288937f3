/**
 * The AI tutor in a study room: a student's `@tutor` question becomes a job;
 * the jobs worker answers from the course's document, streaming the answer
 * into the real room in pieces, quoted and cited by section and pages; and
 * however often the job is delivered or fails mid-answer, the room gets one answer.
 */
import { env } from "cloudflare:test";
import { loadConfig, silentPublisher } from "@studyhall/core";
import { jobs } from "@studyhall/db";
import { and, desc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, call, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { answerPieces, tutorAnswerHandler } from "../src/handlers/tutor-answer.ts";
import { handlers } from "../src/handlers.ts";
import { runJob } from "../src/runner.ts";
import { type SessionRoomPort, sessionRoomFor } from "../src/session-room-port.ts";
import { db, jobRow, runToEnd, skipWait } from "./run-jobs.ts";
import { connect, openSession, type RoomSocket, seedPhotosynthesisCourse } from "./session-fixtures.ts";

let teacher: Actor;
let student: Actor;
let sessionId: string;

beforeAll(async () => {
  const admin = await newOrg();
  teacher = await newMember(admin, "teacher");
  student = await newMember(admin, "student");
  const course = await seedPhotosynthesisCourse(teacher);
  sessionId = await openSession(teacher, { kind: "study-room", courseId: course.courseId });
}, 30_000);

/** Asks the tutor from `socket`; returns the question's seq and the job the room created for it. */
async function ask(socket: RoomSocket, question: string): Promise<{ seq: number; jobId: string }> {
  const seq = await socket.say(`@tutor ${question}`);
  // The room numbers and sends the message first, then writes the job: wait for it.
  for (let i = 0; i < 100; i++) {
    const rows = await db()
      .select()
      .from(jobs)
      .where(and(eq(jobs.kind, "tutor-answer"), eq(jobs.ownerId, student.id)))
      .orderBy(desc(jobs.createdAt))
      .limit(5);
    const job = rows.find(
      (r) => (r.payload as { replyToSeq?: number }).replyToSeq === seq && (r.payload as { sessionId?: string }).sessionId === sessionId,
    );
    if (job) {
      expect(job.payload).toMatchObject({ sessionId, question, replyToSeq: seq, askedBy: student.id });
      return { seq, jobId: job.id };
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no tutor-answer job for message ${seq}`);
}

async function tutorAnswersTo(seq: number) {
  const history = await json(await call(`/v1/sessions/${sessionId}/messages?limit=200`, { token: teacher.token }));
  return history.messages.filter((m: { type: string; replyToSeq?: number }) => m.type === "tutor" && m.replyToSeq === seq);
}

describe("the AI tutor", () => {
  it("answers a study room's question live, in pieces, quoting and citing the course's document", async () => {
    const socket = await connect(sessionId, student);
    const { seq, jobId } = await ask(socket, "What does rubisco do in the Calvin cycle?");
    const answered = socket.next((f) => f.type === "tutor" && f.replyToSeq === seq);
    const { job } = await runToEnd(jobId);
    expect(job).toMatchObject({ status: "completed", ownerId: student.id, lane: "high" });
    const answer = await answered;

    const chunks = socket.frames.filter((f) => f.type === "tutor-chunk" && f.replyToSeq === seq);
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(new Set(chunks.map((c) => c.streamId)).size).toBe(1);
    // Each piece adds to the last, and the stored answer continues the streamed text.
    for (const [i, c] of chunks.entries()) if (i > 0) expect(c.text).toContain(String(chunks[i - 1]!.text));
    expect(answer.text).toContain(String(chunks.at(-1)!.text));

    expect(answer.text).toContain("The enzyme rubisco fixes carbon dioxide to a five-carbon sugar.");
    expect(answer.citations).toContainEqual({
      title: "The Calvin cycle",
      pageStart: 5,
      pageEnd: 6,
      quote: expect.stringContaining("rubisco"),
    });
    expect(answer.text).toMatch(/The Calvin cycle\*?, pp\. 5–6/);
    expect(await tutorAnswersTo(seq)).toHaveLength(1);
    socket.close();
  });

  it("posts nothing again when its finished job is delivered again", async () => {
    const socket = await connect(sessionId, student);
    const { seq, jobId } = await ask(socket, "Why do leaves look green?");
    await runToEnd(jobId);
    await db().update(jobs).set({ status: "queued" }).where(eq(jobs.id, jobId)); // as if its completion had been lost
    await runToEnd(jobId);
    expect((await jobRow(jobId)).result).toMatchObject({ alreadyPosted: true });
    const answers = await tutorAnswersTo(seq);
    expect(answers).toHaveLength(1);
    expect(answers[0].text).toContain("Chlorophyll a and chlorophyll b absorb red and blue light and reflect green light");
    socket.close();
  });

  it("gives one whole answer when an attempt fails halfway through streaming it", async () => {
    const socket = await connect(sessionId, student);
    const { seq, jobId } = await ask(socket, "What happens to an enzyme above its optimum temperature?");
    // The real room, behind a door that breaks after the first piece of the first attempt.
    let posts = 0;
    const flaky = (e: JobsEnv, id: string): SessionRoomPort => {
      const room = sessionRoomFor(e, id);
      return {
        history: (input) => room.history(input),
        transcript: () => room.transcript(),
        postBotMessage: async (input) => {
          if (++posts === 2) throw new Error("connection to the room lost");
          return room.postBotMessage(input);
        },
      };
    };
    const deps = {
      db: db(),
      env,
      config: loadConfig(env),
      publisher: silentPublisher,
      handlers: { ...handlers, "tutor-answer": { run: tutorAnswerHandler({ room: flaky }) } },
    };
    expect(await runJob({ jobId, kind: "tutor-answer" }, deps)).toMatchObject({ retryInSeconds: expect.any(Number) });
    await skipWait(jobId);
    expect(await runJob({ jobId, kind: "tutor-answer" }, deps)).toBe("ack");
    expect(await jobRow(jobId)).toMatchObject({ status: "completed", attempts: 2 });
    const answers = await tutorAnswersTo(seq);
    expect(answers).toHaveLength(1);
    // The second attempt's stream alone: the broken first one left nothing in the answer.
    expect(answers[0].text.match(/From the course material:/g)).toHaveLength(1);
    expect(answers[0].text).toContain("Above it the enzyme denatures: it loses its shape and stops working.");
    socket.close();
  });
});

describe("answer pieces", () => {
  it("cut at sentence and paragraph ends and join back to the answer exactly", () => {
    const text =
      "From the course material:\n\n> The enzyme rubisco fixes carbon dioxide. It makes sugar.\n>\n> — *The Calvin cycle*, pp. 5–6";
    const pieces = answerPieces(text);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join("")).toBe(text);
  });
});
