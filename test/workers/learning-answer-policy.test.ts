/**
 * When a student sees the right answers, explanations and source passages of
 * a submitted attempt, written as the attacks the answer policy stops: a
 * blank first attempt to read the key before the real one, peeking at an
 * earlier attempt while the last one is open, and a student setting the
 * policy themselves. The course's owner and admins always see everything.
 */
import { describe, expect, it } from "vitest";
import { type Actor, call, expectProblem, json, newMember, newOrg } from "../helpers/api.ts";
import { keysOf, type SeededCourse, seedCourse, shownAnswer } from "./learning-fixtures.ts";

const ANSWER_KEYS = ["answer", "explanation", "sourcePassage"];

async function classroom(quiz: { maxAttempts?: number | null; revealAnswers?: string }) {
  const admin = await newOrg("policy-admin");
  const teacher = await newMember(admin, "teacher");
  const student = await newMember(admin, "student");
  const course = await seedCourse(teacher, { modules: 1 });
  await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: student.token });
  const quizId = course.quizIds[0]!;
  const patched = await call(`/v1/quizzes/${quizId}`, { method: "PATCH", token: teacher.token, body: quiz });
  expect(patched.status).toBe(200);
  return { admin, teacher, student, course, quizId };
}

/** What in a response gives the answers away: answer fields anywhere, or any question's explanation or source passage. */
function revealed(body: unknown, course: SeededCourse): string[] {
  const text = JSON.stringify(body);
  const keys = keysOf(body);
  return [
    ...ANSWER_KEYS.filter((k) => keys.has(k)).map((k) => `key ${k}`),
    ...course.questions.flatMap((q) => [q.explanation, q.sourcePassage]).filter((marker) => text.includes(marker)),
  ];
}

async function start(who: Actor, quizId: string) {
  const response = await call(`/v1/quizzes/${quizId}/attempts`, { method: "POST", token: who.token });
  expect(response.status).toBe(201);
  return json(response);
}

const submit = async (who: Actor, attemptId: string) =>
  json(await call(`/v1/attempts/${attemptId}/submit`, { method: "POST", token: who.token }));
const view = async (who: Actor, attemptId: string) => json(await call(`/v1/attempts/${attemptId}`, { token: who.token }));

/** A graded attempt that shows only right or wrong per question. */
function expectRightOrWrongOnly(attempt: { answersShown: boolean; results: object[] }, course: SeededCourse) {
  expect(attempt.answersShown).toBe(false);
  expect(attempt.results.length).toBe(4);
  for (const result of attempt.results) expect(Object.keys(result).sort()).toEqual(["correct", "given", "questionId"]);
  expect(revealed(attempt, course)).toEqual([]);
}

/** A graded attempt with every question's right answer (as the attempt shows its choices), explanation and source. */
function expectAnswers(
  attempt: {
    answersShown: boolean;
    results: { questionId: string; answer: unknown; explanation: string; sourcePassage: string }[];
    questions: { id: string; choices: string[] }[];
  },
  course: SeededCourse,
) {
  expect(attempt.answersShown).toBe(true);
  const byId = new Map(course.questions.map((q) => [q.id, q]));
  expect(attempt.results.length).toBe(4);
  for (const result of attempt.results) {
    const q = byId.get(result.questionId)!;
    expect(result).toMatchObject({ answer: shownAnswer(attempt, q), explanation: q.explanation, sourcePassage: q.sourcePassage });
  }
}

describe("after the last attempt (the default)", () => {
  it("a blank first attempt shows no answer anywhere, nor does the second; the last one shows them on every attempt", async () => {
    const { student, course, quizId } = await classroom({ maxAttempts: 3 });
    const quiz = await json(await call(`/v1/quizzes/${quizId}`, { token: student.token }));
    expect(quiz.revealAnswers).toBe("after-last-attempt");

    const first = await start(student, quizId);
    const firstGraded = await submit(student, first.id);
    expect(firstGraded).toMatchObject({ status: "submitted", score: 0, correctCount: 0 });
    expectRightOrWrongOnly(firstGraded, course);
    expectRightOrWrongOnly(await view(student, first.id), course);
    expect(revealed(await json(await call(`/v1/quizzes/${quizId}`, { token: student.token })), course)).toEqual([]);

    const second = await start(student, quizId);
    expect(revealed(second, course)).toEqual([]);
    expectRightOrWrongOnly(await view(student, first.id), course);
    const qs = course.questions;
    await call(`/v1/attempts/${second.id}/answers`, {
      method: "PUT",
      token: student.token,
      body: { answers: { [qs[0]!.id]: shownAnswer(second, qs[0]!) } },
    });
    const secondGraded = await submit(student, second.id);
    expect(secondGraded.correctCount).toBe(1);
    expectRightOrWrongOnly(secondGraded, course);

    // The last attempt is open: the earlier ones must not give its answers away now.
    const last = await start(student, quizId);
    expectRightOrWrongOnly(await view(student, first.id), course);
    expectRightOrWrongOnly(await view(student, second.id), course);
    expect(revealed(await json(await call(`/v1/quizzes/${quizId}`, { token: student.token })), course)).toEqual([]);

    const lastGraded = await submit(student, last.id);
    expectAnswers(lastGraded, course);
    expectAnswers(await view(student, first.id), course);
    expectAnswers(await view(student, second.id), course);
    await expectProblem(await call(`/v1/quizzes/${quizId}/attempts`, { method: "POST", token: student.token }), 409, "conflict");
  });

  it("never shows them on a quiz with unlimited attempts", async () => {
    const { student, course, quizId } = await classroom({ maxAttempts: null });
    for (let i = 0; i < 3; i++) {
      const attempt = await start(student, quizId);
      expectRightOrWrongOnly(await submit(student, attempt.id), course);
      expectRightOrWrongOnly(await view(student, attempt.id), course);
    }
  });
});

describe("the teacher's choice", () => {
  it("after each attempt: the student sees them at once", async () => {
    const { student, course, quizId } = await classroom({ maxAttempts: 3, revealAnswers: "after-each-attempt" });
    expect((await json(await call(`/v1/quizzes/${quizId}`, { token: student.token }))).revealAnswers).toBe("after-each-attempt");
    const attempt = await start(student, quizId);
    expect(revealed(attempt, course)).toEqual([]);
    expectAnswers(await submit(student, attempt.id), course);
    expectAnswers(await view(student, attempt.id), course);
  });

  it("never: not even after the last attempt, but the owner and an admin see the student's attempt whole", async () => {
    const { admin, teacher, student, course, quizId } = await classroom({ maxAttempts: 1, revealAnswers: "never" });
    const attempt = await start(student, quizId);
    expectRightOrWrongOnly(await submit(student, attempt.id), course);
    expectRightOrWrongOnly(await view(student, attempt.id), course);
    expectAnswers(await view(teacher, attempt.id), course);
    expectAnswers(await view(admin, attempt.id), course);
    const preview = await start(teacher, quizId);
    expectAnswers(await submit(teacher, preview.id), course);
  });

  it("is the owner's or an admin's to set: a student or another teacher is refused, and only known policies are taken", async () => {
    const { admin, teacher, student, quizId } = await classroom({ maxAttempts: 2 });
    await expectProblem(
      await call(`/v1/quizzes/${quizId}`, { method: "PATCH", token: student.token, body: { revealAnswers: "after-each-attempt" } }),
      403,
      "forbidden",
    );
    const colleague = await newMember(admin, "teacher", "colleague");
    await expectProblem(
      await call(`/v1/quizzes/${quizId}`, { method: "PATCH", token: colleague.token, body: { revealAnswers: "after-each-attempt" } }),
      403,
      "forbidden",
    );
    await expectProblem(
      await call(`/v1/quizzes/${quizId}`, { method: "PATCH", token: teacher.token, body: { revealAnswers: "always" } }),
      400,
      "validation-failed",
    );
    const outsider = await newOrg("policy-outsider");
    await expectProblem(
      await call(`/v1/quizzes/${quizId}`, { method: "PATCH", token: outsider.token, body: { revealAnswers: "after-each-attempt" } }),
      404,
    );
    expect((await json(await call(`/v1/quizzes/${quizId}`, { token: student.token }))).revealAnswers).toBe("after-last-attempt");
    const set = await json(await call(`/v1/quizzes/${quizId}`, { method: "PATCH", token: admin.token, body: { revealAnswers: "never" } }));
    expect(set).toMatchObject({ id: quizId, revealAnswers: "never", maxAttempts: 2 });
  });
});
