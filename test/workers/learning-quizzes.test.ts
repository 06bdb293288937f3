/** Taking quizzes: attempts, saved answers, grading on the server, attempt and time limits, and who may do what. */

import { quizAttempts } from "@studyhall/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type Actor, call, expectProblem, json, newMember, newOrg } from "../helpers/api.ts";
import { db, keysOf, type SeededCourse, seedCourse, shownAnswer } from "./learning-fixtures.ts";

async function enrolledStudent() {
  const admin = await newOrg("quiz-admin");
  const teacher = await newMember(admin, "teacher");
  const student = await newMember(admin, "student");
  const course = await seedCourse(teacher);
  await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: student.token });
  return { admin, teacher, student, course };
}

const questionsOf = (course: SeededCourse, quizIndex: number) => course.questions.filter((q) => q.quizId === course.quizIds[quizIndex]);

async function start(who: Actor, quizId: string) {
  const response = await call(`/v1/quizzes/${quizId}/attempts`, { method: "POST", token: who.token });
  return { status: response.status, body: await json(response) };
}

const save = (who: Actor, attemptId: string, answers: Record<string, number | null>) =>
  call(`/v1/attempts/${attemptId}/answers`, { method: "PUT", token: who.token, body: { answers } });

describe("an attempt", () => {
  it("starts with the questions and no answers; starting again gives the open attempt back", async () => {
    const { student, course } = await enrolledStudent();
    const first = await start(student, course.quizIds[0]!);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      status: "open",
      deadlineAt: null,
      submittedAt: null,
      score: null,
      questionCount: 4,
      answers: {},
      answersShown: false,
    });
    // Every question of the quiz, in this attempt's own order, each with its prompt and its choices only.
    expect(first.body.questions.map((q: { id: string }) => q.id).sort()).toEqual(
      questionsOf(course, 0)
        .map((q) => q.id)
        .sort(),
    );
    expect(first.body.questions.map((q: { position: number }) => q.position)).toEqual([0, 1, 2, 3]);
    const asked = first.body.questions.find((q: { id: string }) => q.id === questionsOf(course, 0)[0]!.id);
    expect(Object.keys(asked).sort()).toEqual(["choices", "id", "kind", "position", "prompt"]);
    expect(asked).toMatchObject({ kind: "single-choice", prompt: "Question 1.1?" });
    expect([...asked.choices].sort()).toEqual(["alpha", "beta", "delta", "gamma"]);
    const again = await start(student, course.quizIds[0]!);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    // Resuming keeps the attempt's order.
    expect(again.body.questions).toEqual(first.body.questions);
  });

  it("saves answers as the student goes, then is graded on the server with answers, explanations and sources when the quiz shows them", async () => {
    const { teacher, student, course } = await enrolledStudent();
    const qs = questionsOf(course, 0);
    await call(`/v1/quizzes/${course.quizIds[0]}`, {
      method: "PATCH",
      token: teacher.token,
      body: { revealAnswers: "after-each-attempt" },
    });
    const { body: attempt } = await start(student, course.quizIds[0]!);
    // Three right and one wrong, chosen by their text, saved in two goes; a cleared answer counts as unanswered until given again.
    const right = (i: number) => shownAnswer(attempt, qs[i]!);
    const wrong = (i: number, offset: number) => shownAnswer(attempt, qs[i]!, offset);
    expect((await save(student, attempt.id, { [qs[0]!.id]: right(0), [qs[1]!.id]: wrong(1, 1) })).status).toBe(200);
    const saved = await json(await save(student, attempt.id, { [qs[1]!.id]: null, [qs[2]!.id]: right(2), [qs[3]!.id]: right(3) }));
    expect(saved.answers).toEqual({ [qs[0]!.id]: right(0), [qs[2]!.id]: right(2), [qs[3]!.id]: right(3) });
    expect((await save(student, attempt.id, { [qs[1]!.id]: wrong(1, 2) })).status).toBe(200);

    const submitted = await call(`/v1/attempts/${attempt.id}/submit`, { method: "POST", token: student.token });
    expect(submitted.status).toBe(200);
    const graded = await json(submitted);
    expect(graded).toMatchObject({ status: "submitted", score: 0.75, correctCount: 3, questionCount: 4, passed: true, answersShown: true });
    // In the attempt's order, indexes as the attempt shows its choices.
    expect(graded.results).toEqual(
      attempt.questions.map(({ id }: { id: string }) => {
        const i = qs.findIndex((q) => q.id === id);
        const q = qs[i]!;
        return {
          questionId: q.id,
          given: i === 1 ? wrong(1, 2) : right(i),
          correct: i !== 1,
          answer: right(i),
          explanation: q.explanation,
          sourcePassage: q.sourcePassage,
        };
      }),
    );
    // Submitting twice gives the same grade; answers no longer change.
    expect(await json(await call(`/v1/attempts/${attempt.id}/submit`, { method: "POST", token: student.token }))).toEqual(graded);
    const late = await expectProblem(await save(student, attempt.id, { [qs[1]!.id]: right(1) }), 409, "conflict");
    expect(late.reason).toBe("attempt-submitted");
    expect(await json(await call(`/v1/attempts/${attempt.id}`, { token: student.token }))).toEqual(graded);
  });

  it("refuses answers to questions of another quiz and choices that do not exist", async () => {
    const { student, course } = await enrolledStudent();
    const { body: attempt } = await start(student, course.quizIds[0]!);
    const wrongQuiz = await expectProblem(
      await save(student, attempt.id, { [questionsOf(course, 1)[0]!.id]: 0 }),
      400,
      "validation-failed",
    );
    expect(wrongQuiz.invalidParams[0].reason).toBe("Not a question of this quiz.");
    await expectProblem(await save(student, attempt.id, { [questionsOf(course, 0)[0]!.id]: 4 }), 400, "validation-failed");
    await expectProblem(
      await call(`/v1/attempts/${attempt.id}/answers`, { method: "PUT", token: student.token, body: { answers: { x: "alpha" } } }),
      400,
    );
  });

  it("belongs to its student: a classmate gets 404, the teacher may look but not answer", async () => {
    const { admin, teacher, student, course } = await enrolledStudent();
    const classmate = await newMember(admin, "student", "classmate");
    await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: classmate.token });
    const { body: attempt } = await start(student, course.quizIds[0]!);
    const qid = questionsOf(course, 0)[0]!.id;
    await expectProblem(await call(`/v1/attempts/${attempt.id}`, { token: classmate.token }), 404);
    await expectProblem(await save(classmate, attempt.id, { [qid]: 0 }), 404);
    await expectProblem(await call(`/v1/attempts/${attempt.id}/submit`, { method: "POST", token: classmate.token }), 404);
    expect((await call(`/v1/attempts/${attempt.id}`, { token: teacher.token })).status).toBe(200);
    await expectProblem(await save(teacher, attempt.id, { [qid]: 0 }), 403, "forbidden");
    await expectProblem(await call(`/v1/attempts/${attempt.id}/submit`, { method: "POST", token: teacher.token }), 403, "forbidden");
    const outsider = await newMember(await newOrg("quiz-elsewhere"), "student");
    await expectProblem(await call(`/v1/attempts/${attempt.id}`, { token: outsider.token }), 404);
  });

  it("needs an enrolment; another organisation gets 404; the owner previews", async () => {
    const { admin, teacher, course } = await enrolledStudent();
    const newcomer = await newMember(admin, "student", "newcomer");
    const notEnrolled = await expectProblem(
      await call(`/v1/quizzes/${course.quizIds[0]}/attempts`, { method: "POST", token: newcomer.token }),
      403,
      "forbidden",
    );
    expect(notEnrolled.detail).toMatch(/enrol/i);
    const colleague = await newMember(admin, "teacher", "colleague");
    await expectProblem(await call(`/v1/quizzes/${course.quizIds[0]}/attempts`, { method: "POST", token: colleague.token }), 403);
    const outsider = await newMember(await newOrg("quiz-other"), "student");
    await expectProblem(await call(`/v1/quizzes/${course.quizIds[0]}/attempts`, { method: "POST", token: outsider.token }), 404);
    await expectProblem(await call(`/v1/quizzes/${course.quizIds[0]}`, { token: outsider.token }), 404);
    const preview = await start(teacher, course.quizIds[0]!);
    expect(preview.status).toBe(201);
    expect(keysOf(preview.body).has("answer")).toBe(false);
  });
});

describe("limits set by the teacher", () => {
  it("an attempt limit: once used up, a new attempt is refused with a problem; the owner's previews are not limited", async () => {
    const { teacher, student, course } = await enrolledStudent();
    const quizId = course.quizIds[0]!;
    await expectProblem(await call(`/v1/quizzes/${quizId}`, { method: "PATCH", token: student.token, body: { maxAttempts: 9 } }), 403);
    const patched = await json(await call(`/v1/quizzes/${quizId}`, { method: "PATCH", token: teacher.token, body: { maxAttempts: 2 } }));
    expect(patched).toMatchObject({ id: quizId, maxAttempts: 2, timeLimitSeconds: null, questionCount: 4 });
    for (let i = 0; i < 2; i++) {
      const { status, body } = await start(student, quizId);
      expect(status).toBe(201);
      await call(`/v1/attempts/${body.id}/submit`, { method: "POST", token: student.token });
    }
    const refused = await expectProblem(
      await call(`/v1/quizzes/${quizId}/attempts`, { method: "POST", token: student.token }),
      409,
      "conflict",
    );
    expect(refused).toMatchObject({ reason: "attempt-limit-reached", maxAttempts: 2, attemptsUsed: 2 });
    expect((await json(await call(`/v1/quizzes/${quizId}`, { token: student.token }))).mine).toMatchObject({
      attemptsUsed: 2,
      attemptsLeft: 0,
      bestScore: 0,
      passed: false,
    });
    for (let i = 0; i < 3; i++) {
      const preview = await start(teacher, quizId);
      expect(preview.status).toBe(201);
      await call(`/v1/attempts/${preview.body.id}/submit`, { method: "POST", token: teacher.token });
    }
  });

  it("a time limit: the deadline is set on start; past it answers are refused and submitting grades what was saved", async () => {
    const { teacher, student, course } = await enrolledStudent();
    const quizId = course.quizIds[1]!;
    const qs = questionsOf(course, 1);
    await json(await call(`/v1/quizzes/${quizId}`, { method: "PATCH", token: teacher.token, body: { timeLimitSeconds: 600 } }));
    const { body: attempt } = await start(student, quizId);
    expect(Date.parse(attempt.deadlineAt) - Date.parse(attempt.startedAt)).toBe(600_000);
    expect(
      (await save(student, attempt.id, { [qs[0]!.id]: shownAnswer(attempt, qs[0]!), [qs[1]!.id]: shownAnswer(attempt, qs[1]!) })).status,
    ).toBe(200);

    await db()
      .update(quizAttempts)
      .set({ deadlineAt: new Date(Date.now() - 1000) })
      .where(eq(quizAttempts.id, attempt.id));
    const late = await expectProblem(await save(student, attempt.id, { [qs[2]!.id]: shownAnswer(attempt, qs[2]!) }), 409, "conflict");
    expect(late.reason).toBe("deadline-passed");
    expect((await json(await call(`/v1/attempts/${attempt.id}`, { token: student.token }))).status).toBe("expired");
    const graded = await json(await call(`/v1/attempts/${attempt.id}/submit`, { method: "POST", token: student.token }));
    expect(graded).toMatchObject({ status: "submitted", correctCount: 2, score: 0.5, passed: false });
    const given = Object.fromEntries(graded.results.map((r: { questionId: string; given: unknown }) => [r.questionId, r.given]));
    expect(given).toEqual({
      [qs[0]!.id]: shownAnswer(attempt, qs[0]!),
      [qs[1]!.id]: shownAnswer(attempt, qs[1]!),
      [qs[2]!.id]: null,
      [qs[3]!.id]: null,
    });

    // An expired attempt is not resumed: the next start is a new attempt.
    const next = await start(student, quizId);
    expect(next.status).toBe(201);
    expect(next.body.id).not.toBe(attempt.id);
    const cleared = await json(
      await call(`/v1/quizzes/${quizId}`, { method: "PATCH", token: teacher.token, body: { timeLimitSeconds: null } }),
    );
    expect(cleared.timeLimitSeconds).toBeNull();
  });

  it("limits are validated", async () => {
    const { teacher, course } = await enrolledStudent();
    await expectProblem(
      await call(`/v1/quizzes/${course.quizIds[0]}`, { method: "PATCH", token: teacher.token, body: { maxAttempts: 0 } }),
      400,
    );
    await expectProblem(await call(`/v1/quizzes/${course.quizIds[0]}`, { method: "PATCH", token: teacher.token, body: {} }), 400);
  });
});

describe("finishing a course", () => {
  it("is complete once every lesson is read and every quiz passed", async () => {
    const { teacher, student, course } = await enrolledStudent();
    for (const [index, quizId] of course.quizIds.entries()) {
      const { body: attempt } = await start(student, quizId);
      await save(student, attempt.id, Object.fromEntries(questionsOf(course, index).map((q) => [q.id, shownAnswer(attempt, q)])));
      expect((await json(await call(`/v1/attempts/${attempt.id}/submit`, { method: "POST", token: student.token }))).score).toBe(1);
    }
    const progress = async () => (await json(await call("/v1/me/courses", { token: student.token }))).items[0].progress;
    expect(await progress()).toMatchObject({ quizzesPassed: 2, lessonsRead: 0, completed: false });
    for (const lessonId of course.lessonIds) await call(`/v1/courses/${course.courseId}/lessons/${lessonId}`, { token: student.token });
    let latest = await progress();
    for (let i = 0; i < 50 && !latest.completed; i++) {
      await new Promise((r) => setTimeout(r, 20));
      latest = await progress();
    }
    expect(latest).toMatchObject({ lessonsRead: 4, percent: 100, quizzesPassed: 2, completed: true });
    const analytics = await json(await call(`/v1/courses/${course.courseId}/analytics`, { token: teacher.token }));
    expect(analytics).toMatchObject({ enrolments: 1, completed: 1, completionRate: 1 });
  });
});
