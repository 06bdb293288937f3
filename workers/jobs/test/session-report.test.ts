/**
 * Tutoring-session reports end to end: a teacher and a student talk in a real
 * session room (40 messages), the teacher asks for the report, the jobs
 * worker writes it from the room's transcript, and the report's every quote
 * is the student's or teacher's own words. Who may ask and read is checked.
 */

import { courses, jobs } from "@studyhall/db";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { TUTORING_LINES } from "../../../packages/llm/src/fixtures/tutoring-session.ts";
import { type Actor, call, expectProblem, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { db, jobRow, runToEnd } from "./run-jobs.ts";
import { converse, openSession, type SeededCourse, seedPhotosynthesisCourse } from "./session-fixtures.ts";

let admin: Actor;
let teacher: Actor;
let student: Actor;
let course: SeededCourse;
let sessionId: string;
/** What was said, by the seq the room gave it. */
let said: Map<number, string>;

beforeAll(async () => {
  admin = await newOrg();
  teacher = await newMember(admin, "teacher");
  student = await newMember(admin, "student");
  course = await seedPhotosynthesisCourse(teacher);
  sessionId = await openSession(teacher, { kind: "tutoring", studentId: student.id, courseId: course.courseId });
  said = await converse(sessionId, { teacher, student }, TUTORING_LINES);
}, 60_000);

const seqOf = (text: string) => [...said].find(([, t]) => t === text)?.[0];

describe("a tutoring session's report", () => {
  it("is written from the 40-message transcript: every section present, every quote the exact words of a message", async () => {
    expect(said.size).toBe(40);
    await expectProblem(await call(`/v1/sessions/${sessionId}/report`, { token: teacher.token }), 404, "not-found");

    const accepted = await call(`/v1/sessions/${sessionId}/report`, {
      token: teacher.token,
      method: "POST",
      headers: { "Idempotency-Key": "report-once-1" },
    });
    expect(accepted.status).toBe(202);
    const job = await json(accepted);
    expect(job).toMatchObject({ kind: "session-report", status: "queued" });
    expect(await json(await call(`/v1/sessions/${sessionId}/report/status`, { token: teacher.token }))).toEqual({
      status: "waiting",
      progress: 0,
      jobId: job.id,
    });

    // Asking again while it is written gives the same job, with or without the key.
    const replay = await call(`/v1/sessions/${sessionId}/report`, {
      token: teacher.token,
      method: "POST",
      headers: { "Idempotency-Key": "report-once-1" },
    });
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect((await json(replay)).id).toBe(job.id);
    const again = await call(`/v1/sessions/${sessionId}/report`, { token: admin.token, method: "POST" });
    expect(again.status).toBe(202);
    expect((await json(again)).id).toBe(job.id);

    expect((await runToEnd(job.id)).job.status).toBe("completed");
    expect(await json(await call(`/v1/sessions/${sessionId}/report/status`, { token: teacher.token }))).toEqual({
      status: "completed",
      progress: 100,
      jobId: job.id,
    });

    const response = await call(`/v1/sessions/${sessionId}/report`, { token: teacher.token });
    expect(response.status).toBe(200);
    const report = await json(response);
    expect(report).toMatchObject({ sessionId, jobId: job.id, messageCount: 40, provider: "extractive" });
    for (const section of ["topics", "understood", "gaps", "recommendedLessons"])
      expect(report[section].length, section).toBeGreaterThan(0);

    // The transcript as any participant reads it through the API.
    const history = await json(await call(`/v1/sessions/${sessionId}/messages?limit=200`, { token: teacher.token }));
    const messages = new Map<number, string>(history.messages.map((m: { seq: number; text: string }) => [m.seq, m.text]));
    const quotes = ["topics", "understood", "gaps", "recommendedLessons"].flatMap((s) =>
      report[s].flatMap((p: { quotes: { seq: number; text: string }[] }) => p.quotes),
    );
    expect(quotes.length).toBeGreaterThan(10);
    for (const q of quotes) expect(messages.get(q.seq), JSON.stringify(q)).toContain(q.text);
  });

  it("names what stayed unclear and recommends the course's lessons on it", async () => {
    const report = await json(await call(`/v1/sessions/${sessionId}/report`, { token: teacher.token }));
    const gapQuotes = report.gaps.flatMap((g: { quotes: { seq: number; text: string }[] }) => g.quotes);
    expect(gapQuotes).toContainEqual({
      seq: seqOf("I don't understand how ATP is made in the thylakoid."),
      text: "I don't understand how ATP is made in the thylakoid.",
    });
    // A question the student then said they understood is no gap.
    expect(gapQuotes.map((q: { seq: number }) => q.seq)).not.toContain(
      seqOf("What is chlorophyll exactly? I know it is green but not what it does."),
    );
    const recommended = report.recommendedLessons.map((l: { lessonId: string; title: string }) => [l.lessonId, l.title]);
    expect(recommended).toContainEqual([course.lessonIds.get("The light reactions"), "The light reactions"]);
    expect(recommended).toContainEqual([course.lessonIds.get("Enzymes and temperature"), "Enzymes and temperature"]);
  });

  it("may be read by the session's student, but only the teacher who opened it or an admin may ask for one", async () => {
    expect((await call(`/v1/sessions/${sessionId}/report`, { token: student.token })).status).toBe(200);
    await expectProblem(await call(`/v1/sessions/${sessionId}/report`, { token: student.token, method: "POST" }), 403, "forbidden");
    const otherStudent = await newMember(admin, "student");
    await expectProblem(await call(`/v1/sessions/${sessionId}/report`, { token: otherStudent.token }), 404, "not-found");
  });

  it("is invisible to another organisation's teacher and admin", async () => {
    const otherAdmin = await newOrg();
    const otherTeacher = await newMember(otherAdmin, "teacher");
    for (const actor of [otherTeacher, otherAdmin]) {
      await expectProblem(await call(`/v1/sessions/${sessionId}/report`, { token: actor.token, method: "POST" }), 404, "not-found");
      await expectProblem(await call(`/v1/sessions/${sessionId}/report`, { token: actor.token }), 404, "not-found");
      await expectProblem(await call(`/v1/sessions/${sessionId}/report/status`, { token: actor.token }), 404, "not-found");
    }
  });

  it("is written afresh when asked for after the last one finished, and a redelivered job writes nothing twice", async () => {
    const first = await json(await call(`/v1/sessions/${sessionId}/report`, { token: teacher.token }));
    const accepted = await json(await call(`/v1/sessions/${sessionId}/report`, { token: teacher.token, method: "POST" }));
    expect(accepted.id).not.toBe(first.jobId);
    expect((await json(await call(`/v1/sessions/${sessionId}/report/status`, { token: teacher.token }))).status).toBe("waiting");
    await runToEnd(accepted.id);
    const second = await json(await call(`/v1/sessions/${sessionId}/report`, { token: teacher.token }));
    expect(second.jobId).toBe(accepted.id);
    expect({ ...second, jobId: first.jobId, generatedAt: first.generatedAt, completedAt: first.completedAt }).toEqual(first);
    // The first job, delivered again, finds itself replaced and leaves the report alone.
    await db().update(jobs).set({ status: "queued" }).where(eq(jobs.id, first.jobId));
    await runToEnd(first.jobId);
    expect((await jobRow(first.jobId)).result).toMatchObject({ superseded: true });
    expect(await json(await call(`/v1/sessions/${sessionId}/report`, { token: teacher.token }))).toEqual(second);
  });

  it("is only for tutoring sessions", async () => {
    const roomId = await openSession(teacher, { kind: "study-room", courseId: course.courseId });
    await expectProblem(await call(`/v1/sessions/${roomId}/report`, { token: teacher.token, method: "POST" }), 409, "conflict");
  });

  it(".security: recommends no lesson of a course its student cannot open (a draft, or invited-only without them)", async () => {
    const writeReport = async () => {
      const accepted = await json(await call(`/v1/sessions/${sessionId}/report`, { token: teacher.token, method: "POST" }));
      expect((await runToEnd(accepted.id)).job.status).toBe("completed");
      return json(await call(`/v1/sessions/${sessionId}/report`, { token: teacher.token }));
    };
    const courseLessonIds = new Set(course.lessonIds.values());
    try {
      for (const hidden of [{ status: "DRAFT" as const }, { visibility: "invited" as const }]) {
        await db().update(courses).set(hidden).where(eq(courses.id, course.courseId));
        expect((await call(`/v1/courses/${course.courseId}`, { token: student.token })).status).toBe(404);
        const report = await writeReport();
        // The gaps are still named from the transcript; only the pointers into the hidden course are gone.
        expect(report.gaps.length).toBeGreaterThan(0);
        expect(report.recommendedLessons).toEqual([]);
        expect(JSON.stringify(report)).not.toMatch(new RegExp([...courseLessonIds].join("|")));
        await db().update(courses).set({ status: "PUBLISHED", visibility: "org" }).where(eq(courses.id, course.courseId));
      }
      // Published to the organisation again, the same transcript recommends the course's lessons (the control).
      const visible = await writeReport();
      expect(visible.recommendedLessons.map((l: { lessonId: string }) => l.lessonId)).toContain(
        course.lessonIds.get("The light reactions"),
      );
    } finally {
      await db().update(courses).set({ status: "PUBLISHED", visibility: "org" }).where(eq(courses.id, course.courseId));
    }
  });
});
