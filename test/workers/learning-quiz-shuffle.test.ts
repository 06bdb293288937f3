/**
 * Each attempt shuffles its questions and choices on the server, written as
 * the attacks it stops: learning an answer's index in one attempt (or from a
 * classmate) and replaying it in the next. Answers are sent as shown, saved
 * in the quiz's own index space, and graded, counted in analytics and shown
 * back consistently; attempts from before shuffling keep the stored order.
 */

import { quizAttempts } from "@studyhall/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type Actor, call, json, newMember, newOrg } from "../helpers/api.ts";
import { db, type SeededQuestion, seedCourse, shownAnswer } from "./learning-fixtures.ts";

async function classroom(questionsPerQuiz = 4) {
  const admin = await newOrg("shuffle-admin");
  const teacher = await newMember(admin, "teacher");
  const student = await newMember(admin, "student");
  const course = await seedCourse(teacher, { modules: 1, questionsPerQuiz });
  await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: student.token });
  return { admin, teacher, student, course, quizId: course.quizIds[0]! };
}

async function start(who: Actor, quizId: string) {
  const response = await call(`/v1/quizzes/${quizId}/attempts`, { method: "POST", token: who.token });
  expect(response.status).toBe(201);
  return json(response);
}

const save = (who: Actor, attemptId: string, answers: Record<string, number | null>) =>
  call(`/v1/attempts/${attemptId}/answers`, { method: "PUT", token: who.token, body: { answers } });
const submit = async (who: Actor, attemptId: string) =>
  json(await call(`/v1/attempts/${attemptId}/submit`, { method: "POST", token: who.token }));
const storedRow = async (attemptId: string) => (await db().select().from(quizAttempts).where(eq(quizAttempts.id, attemptId)))[0]!;

type Shown = { id: string; position: number; choices: string[] };

describe("the shuffle", () => {
  it("gives every attempt its own order, a permutation of the quiz's questions and of each one's choices, stored with it", async () => {
    const { student, course, quizId } = await classroom(8);
    const seeded = new Map(course.questions.map((q) => [q.id, q]));
    const orders: string[] = [];
    const choiceOrders: string[] = [];
    for (let i = 0; i < 6; i++) {
      const attempt = await start(student, quizId);
      const shown: Shown[] = attempt.questions;
      expect(shown.map((q) => q.id).sort()).toEqual([...seeded.keys()].sort());
      expect(shown.map((q) => q.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      const { layout } = (await storedRow(attempt.id)) as { layout: { order: string[]; choices: Record<string, number[]> } };
      expect(layout.order).toEqual(shown.map((q) => q.id));
      for (const q of shown) {
        const original = seeded.get(q.id)!.choices;
        expect([...layout.choices[q.id]!].sort()).toEqual([0, 1, 2, 3]);
        expect(q.choices).toEqual(layout.choices[q.id]!.map((index) => original[index]));
      }
      orders.push(shown.map((q) => q.id).join());
      choiceOrders.push(JSON.stringify(shown.map((q) => q.choices)));
      await submit(student, attempt.id);
    }
    // Six attempts of eight questions (8! orders, and 4! per question's choices): the same sheet twice is all but impossible.
    expect(new Set(orders).size).toBeGreaterThan(1);
    expect(new Set(choiceOrders).size).toBeGreaterThan(1);
  });

  it("grades a student who answers by the choice's text right, and an index copied from the unshuffled key as the choice shown there", async () => {
    const { student, course, quizId } = await classroom();
    const attempt = await start(student, quizId);
    const [byText1, byText2, byIndex1, byIndex2] = course.questions as [SeededQuestion, SeededQuestion, SeededQuestion, SeededQuestion];
    const shownText = (q: SeededQuestion, index: number) => (attempt.questions as Shown[]).find((s) => s.id === q.id)!.choices[index];
    await save(student, attempt.id, {
      [byText1.id]: shownAnswer(attempt, byText1),
      [byText2.id]: shownAnswer(attempt, byText2),
      [byIndex1.id]: byIndex1.answer,
      [byIndex2.id]: byIndex2.answer,
    });
    const graded = await submit(student, attempt.id);
    const correct = Object.fromEntries(graded.results.map((r: { questionId: string; correct: boolean }) => [r.questionId, r.correct]));
    expect(correct[byText1.id]).toBe(true);
    expect(correct[byText2.id]).toBe(true);
    for (const q of [byIndex1, byIndex2]) expect(correct[q.id]).toBe(shownText(q, q.answer) === q.choices[q.answer]);
    expect(graded.correctCount).toBe(Object.values(correct).filter(Boolean).length);
  });

  it("replaying last attempt's indexes against a known shuffle gets every question wrong; what is saved is the quiz's own index", async () => {
    const { student, course, quizId } = await classroom();
    const attempt = await start(student, quizId);
    // A shuffle that moves every choice: questions reversed, the choice shown at k is the quiz's choice k + 1.
    const layout = {
      order: course.questions.map((q) => q.id).reverse(),
      choices: Object.fromEntries(course.questions.map((q) => [q.id, [1, 2, 3, 0]])),
    };
    await db().update(quizAttempts).set({ layout }).where(eq(quizAttempts.id, attempt.id));
    const replayed = Object.fromEntries(course.questions.map((q) => [q.id, q.answer]));
    const saved = await json(await save(student, attempt.id, replayed));
    expect(saved.questions.map((q: Shown) => q.id)).toEqual(layout.order);
    expect(saved.questions[0].choices).toEqual(["beta", "gamma", "delta", "alpha"]);
    expect(saved.answers).toEqual(replayed);
    expect((await storedRow(attempt.id)).answers).toEqual(Object.fromEntries(course.questions.map((q) => [q.id, (q.answer + 1) % 4])));
    const graded = await submit(student, attempt.id);
    expect(graded).toMatchObject({ score: 0, correctCount: 0 });
    expect(graded.results.map((r: { given: number }) => r.given)).toEqual(layout.order.map((id) => replayed[id]));
  });

  it("keeps the stored order and indexes for an attempt from before shuffling", async () => {
    const { student, course, quizId } = await classroom();
    const attempt = await start(student, quizId);
    await db().update(quizAttempts).set({ layout: null }).where(eq(quizAttempts.id, attempt.id));
    const answers = Object.fromEntries(course.questions.map((q) => [q.id, q.answer]));
    const saved = await json(await save(student, attempt.id, answers));
    expect(saved.questions.map((q: Shown) => q.id)).toEqual(course.questions.map((q) => q.id));
    expect(saved.questions.every((q: Shown) => q.choices.join() === "alpha,beta,gamma,delta")).toBe(true);
    expect((await storedRow(attempt.id)).answers).toEqual(answers);
    expect(await submit(student, attempt.id)).toMatchObject({ score: 1, correctCount: 4 });
  });
});

describe("analytics with shuffled attempts", () => {
  it("count each question's answered and correct exactly, whatever order each student saw", async () => {
    const { admin, teacher, course, quizId } = await classroom();
    const qs = course.questions;
    const expected = new Map(qs.map((q) => [q.id, { attempts: 0, answered: 0, correct: 0 }]));
    for (let s = 0; s < 4; s++) {
      const student = await newMember(admin, "student", `shuffled-${s}`);
      await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: student.token });
      const attempt = await start(student, quizId);
      const answers: Record<string, number> = {};
      qs.forEach((q, j) => {
        const figures = expected.get(q.id)!;
        figures.attempts++;
        if (j === 3 && s % 2 === 0) return; // skipped
        const right = (j + s) % 3 !== 0;
        answers[q.id] = shownAnswer(attempt, q, right ? 0 : 1 + (s % 3));
        figures.answered++;
        if (right) figures.correct++;
      });
      expect((await save(student, attempt.id, answers)).status).toBe(200);
      const graded = await submit(student, attempt.id);
      expect(graded.correctCount).toBe(qs.filter((_q, j) => !(j === 3 && s % 2 === 0) && (j + s) % 3 !== 0).length);
    }
    const analytics = await json(await call(`/v1/quizzes/${quizId}/analytics`, { token: teacher.token }));
    const counted = Object.fromEntries(
      analytics.questions.map((q: { questionId: string; attempts: number; answered: number; correct: number }) => [
        q.questionId,
        { attempts: q.attempts, answered: q.answered, correct: q.correct },
      ]),
    );
    expect(counted).toEqual(Object.fromEntries(expected));
    // Hardest first: the order follows the correct counts.
    const rates = analytics.questions.map((q: { correct: number }) => q.correct);
    expect(rates).toEqual([...rates].sort((a: number, b: number) => a - b));
  });
});
