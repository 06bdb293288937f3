/**
 * No route a student can call shows an answer before they submit: every
 * course, lesson, quiz and attempt route is walked, successes and refusals
 * alike, and no response may hold an answer key, an explanation or a source
 * passage (which holds the answer). After submitting, what the quiz's answer
 * policy allows is pinned in learning-answer-policy.test.ts.
 */

import { quizAttempts } from "@studyhall/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { call, json, newMember, newOrg } from "../helpers/api.ts";
import { db, keysOf, type SeededCourse, seedCourse } from "./learning-fixtures.ts";

/** Keys that would name or reveal the correct choice. */
const REVEALING_KEYS = ["answer", "correctAnswer", "correct", "explanation", "sourcePassage", "results"];

interface Seen {
  route: string;
  status: number;
  body: unknown;
}

/** What in a response gives an answer away; empty when nothing does. */
function leaks(seen: Seen, course: SeededCourse): string[] {
  const text = JSON.stringify(seen.body);
  const keys = keysOf(seen.body);
  return [
    ...REVEALING_KEYS.filter((k) => keys.has(k)).map((k) => `${seen.route}: key ${k}`),
    ...course.questions
      .flatMap((q) => [q.explanation, q.sourcePassage])
      .filter((marker) => text.includes(marker))
      .map((m) => `${seen.route}: ${m}`),
  ];
}

describe("answers before submission", () => {
  it("never appear in any course, lesson, quiz or attempt route a student can call", async () => {
    const admin = await newOrg("leak-admin");
    const teacher = await newMember(admin, "teacher");
    const student = await newMember(admin, "student");
    const classmate = await newMember(admin, "student", "classmate");
    const course = await seedCourse(teacher);
    const quiz = course.quizIds[0]!;
    await call(`/v1/quizzes/${quiz}`, { method: "PATCH", token: teacher.token, body: { maxAttempts: 2, timeLimitSeconds: 600 } });

    // A classmate has a submitted, graded attempt: its answers must not reach the student either.
    await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: classmate.token });
    const theirs = await json(await call(`/v1/quizzes/${quiz}/attempts`, { method: "POST", token: classmate.token }));
    await call(`/v1/attempts/${theirs.id}/answers`, {
      method: "PUT",
      token: classmate.token,
      body: { answers: { [course.questions[0]!.id]: 1 } },
    });
    await call(`/v1/attempts/${theirs.id}/submit`, { method: "POST", token: classmate.token });

    const seen: Seen[] = [];
    const visit = async (route: string, method = "GET", body?: unknown) => {
      const response = await call(route, { method, token: student.token, body });
      const text = await response.text();
      const entry = { route: `${method} ${route}`, status: response.status, body: text ? JSON.parse(text) : null };
      seen.push(entry);
      return entry;
    };

    const courseRoute = `/v1/courses/${course.courseId}`;
    await visit("/v1/catalogue");
    await visit("/v1/courses");
    await visit(courseRoute);
    await visit(`${courseRoute}/enrolment`, "POST");
    await visit("/v1/me/courses");
    for (const lessonId of course.lessonIds) {
      await visit(`${courseRoute}/lessons/${lessonId}`);
      await visit(`${courseRoute}/lessons/${lessonId}?format=html`);
    }
    for (const refused of ["answer-key", "students", "invitations", "analytics"]) await visit(`${courseRoute}/${refused}`);
    for (const quizId of course.quizIds) {
      await visit(`/v1/quizzes/${quizId}`);
      await visit(`/v1/quizzes/${quizId}/analytics`);
      await visit(`/v1/quizzes/${quizId}`, "PATCH", { maxAttempts: 50 });
    }
    const started = await visit(`/v1/quizzes/${quiz}/attempts`, "POST");
    const attemptId = (started.body as { id: string }).id;
    await visit(`/v1/quizzes/${quiz}/attempts`, "POST");
    for (const q of course.questions.filter((x) => x.quizId === quiz)) {
      await visit(`/v1/attempts/${attemptId}/answers`, "PUT", { answers: { [q.id]: (q.answer + 1) % 4 } });
    }
    await visit(`/v1/attempts/${attemptId}/answers`, "PUT", { answers: { [course.questions[0]!.id]: 9 } });
    await visit(`/v1/attempts/${attemptId}`);
    await visit(`/v1/attempts/${theirs.id}`);
    await visit(`/v1/attempts/${theirs.id}/answers`, "PUT", { answers: { [course.questions[0]!.id]: 0 } });
    // Past the deadline, before submitting: refused, still nothing shown.
    await db()
      .update(quizAttempts)
      .set({ deadlineAt: new Date(Date.now() - 1000) })
      .where(eq(quizAttempts.id, attemptId));
    await visit(`/v1/attempts/${attemptId}/answers`, "PUT", { answers: { [course.questions[0]!.id]: 0 } });
    await visit(`/v1/attempts/${attemptId}`);
    await visit(`/v1/quizzes/${quiz}`);

    expect(seen.filter((s) => s.status >= 500)).toEqual([]);
    expect(seen.filter((s) => s.status === 200 || s.status === 201).length).toBeGreaterThan(20);
    expect(seen.flatMap((s) => leaks(s, course))).toEqual([]);

    // Submitted with an attempt left, under the default policy: right or wrong, still no answer, explanation or source.
    const submitted = await visit(`/v1/attempts/${attemptId}/submit`, "POST");
    expect(submitted.status).toBe(200);
    expect(leaks(submitted, course).filter((l) => !/key (results|correct)$/.test(l))).toEqual([]);

    // Once the quiz shows answers after each attempt, the same check sees them: the walk above could have caught a leak.
    await call(`/v1/quizzes/${quiz}`, { method: "PATCH", token: teacher.token, body: { revealAnswers: "after-each-attempt" } });
    const revealed = await visit(`/v1/attempts/${attemptId}`);
    expect(leaks(revealed, course)).toEqual(
      expect.arrayContaining([`GET /v1/attempts/${attemptId}: key answer`, `GET /v1/attempts/${attemptId}: key explanation`]),
    );
  });
});
