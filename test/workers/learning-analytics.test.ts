/**
 * Teachers' analytics on a large seeded course: 200 students and 10,000
 * attempts with a known, deterministic distribution, inserted in batches (no
 * statement binds more than D1's 100 values). Every figure the API gives is
 * computed again here from the seeded rows and must match exactly.
 */
import { type Db, enrolments, quizAttempts, together, users } from "@studyhall/db";
import type { BatchItem } from "drizzle-orm/batch";
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, call, expectProblem, json, newMember, newOrg } from "../helpers/api.ts";
import { testDb } from "../helpers/test-db.ts";
import { type SeededCourse, seedCourse } from "./learning-fixtures.ts";

const DAY = 86_400_000;
const STUDENTS = 200;
const ATTEMPTS = 10_000;
/** How often each question of each quiz is answered correctly by an ordinary student. */
const ACCURACY = [
  [0.9, 0.6, 0.3, 0.75],
  [0.5, 0.85, 0.2, 0.65],
];

/** A small seeded PRNG, so the distribution is the same on every run. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Student {
  id: string;
  enrolledAt: number;
  lastActivityAt: number | null;
  completedAt: number | null;
}
interface Attempt {
  id: string;
  quizIndex: number;
  userId: string;
  answers: Record<string, number>;
  correct: number;
  submitted: boolean;
}

/** Inserts rows with as many per statement as fit in 100 bound values, 100 statements at a time. */
async function insertRows<R extends object>(rows: R[], insert: (q: Db, chunk: R[]) => BatchItem<"sqlite">) {
  const perStatement = Math.floor(100 / Object.keys(rows[0]!).length);
  const chunks: R[][] = [];
  for (let i = 0; i < rows.length; i += perStatement) chunks.push(rows.slice(i, i + perStatement));
  for (let i = 0; i < chunks.length; i += 100) {
    const [first, ...rest] = chunks.slice(i, i + 100);
    await together(testDb(), (q) => [insert(q, first!), ...rest.map((chunk) => insert(q, chunk))]);
  }
}

let teacher: Actor;
let admin: Actor;
let course: SeededCourse;
let students: Student[];
let attempts: Attempt[];
const now = Date.now();

beforeAll(async () => {
  admin = await newOrg("analytics-admin");
  teacher = await newMember(admin, "teacher");
  course = await seedCourse(teacher);
  const random = mulberry32(20240611);

  students = Array.from({ length: STUDENTS }, (_, i) => ({
    id: crypto.randomUUID(),
    enrolledAt: now - 40 * DAY,
    // A quarter idle for a month, a quarter never active (enrolled 40 days ago), the rest active an hour ago.
    lastActivityAt: i % 4 === 0 ? now - 30 * DAY : i % 4 === 1 ? null : now - 3_600_000,
    completedAt: i % 10 === 0 ? now - 2 * DAY : null,
  }));
  const at = (ms: number | null) => (ms === null ? null : new Date(ms));
  await insertRows(
    students.map((s, i) => ({
      id: s.id,
      orgId: admin.orgId,
      email: `seeded-${i}-${s.id.slice(0, 8)}@example.test`,
      name: `Student ${i}`,
      role: "student" as const,
      createdAt: new Date(now),
      updatedAt: new Date(now),
    })),
    (q, chunk) => q.insert(users).values(chunk),
  );
  await insertRows(
    students.map((s) => ({
      courseId: course.courseId,
      userId: s.id,
      orgId: admin.orgId,
      enrolledAt: new Date(s.enrolledAt),
      completedAt: at(s.completedAt),
      lastActivityAt: at(s.lastActivityAt),
    })),
    (q, chunk) => q.insert(enrolments).values(chunk),
  );

  attempts = Array.from({ length: ATTEMPTS }, (_, k) => {
    const studentIndex = k % STUDENTS;
    const quizIndex = Math.floor(k / STUDENTS) % 2;
    // Every seventh student gets everything wrong; one attempt in fifty is never submitted; some questions are skipped.
    const weak = studentIndex % 7 === 0;
    const answers: Record<string, number> = {};
    let correct = 0;
    course.questions
      .filter((q) => q.quizId === course.quizIds[quizIndex])
      .forEach((q, position) => {
        if (random() < 0.05) return;
        const right = !weak && random() < ACCURACY[quizIndex]![position]!;
        answers[q.id] = right ? q.answer : (q.answer + 1 + Math.floor(random() * 3)) % 4;
        if (right) correct++;
      });
    return { id: crypto.randomUUID(), quizIndex, userId: students[studentIndex]!.id, answers, correct, submitted: k % 50 !== 7 };
  });
  // The owner's previews: all correct, and they must not count.
  const previews: Attempt[] = Array.from({ length: 30 }, () => ({
    id: crypto.randomUUID(),
    quizIndex: 0,
    userId: teacher.id,
    answers: Object.fromEntries(course.questions.filter((q) => q.quizId === course.quizIds[0]).map((q) => [q.id, q.answer])),
    correct: 4,
    submitted: true,
  }));
  await insertRows(
    [...attempts, ...previews].map((a, k) => ({
      id: a.id,
      orgId: admin.orgId,
      quizId: course.quizIds[a.quizIndex]!,
      userId: a.userId,
      answers: a.answers,
      score: a.submitted ? a.correct / 4 : null,
      correctCount: a.submitted ? a.correct : null,
      startedAt: new Date(now - 10 * DAY + k),
      submittedAt: a.submitted ? new Date(now - 10 * DAY + k + 60_000) : null,
    })),
    (q, chunk) => q.insert(quizAttempts).values(chunk),
  );
}, 120_000);

const round = (x: number) => Math.round(x * 10_000) / 10_000;
const submitted = (quizIndex?: number) => attempts.filter((a) => a.submitted && (quizIndex === undefined || a.quizIndex === quizIndex));
const summary = (list: Attempt[]) => ({
  attempts: list.length,
  students: new Set(list.map((a) => a.userId)).size,
  averageScore: round(list.reduce((n, a) => n + a.correct / 4, 0) / list.length),
  passRate: round(list.filter((a) => a.correct / 4 >= 0.7).length / list.length),
});

function expectedQuestions(quizIndexes: number[]) {
  return course.questions
    .filter((q) => quizIndexes.some((i) => course.quizIds[i] === q.quizId))
    .map((q, index, all) => {
      const list = submitted(course.quizIds.indexOf(q.quizId));
      const correct = list.filter((a) => a.answers[q.id] === q.answer).length;
      const position = all.slice(0, index).filter((other) => other.quizId === q.quizId).length;
      return {
        questionId: q.id,
        quizId: q.quizId,
        position,
        attempts: list.length,
        answered: list.filter((a) => q.id in a.answers).length,
        correct,
        rate: correct / list.length,
      };
    })
    .sort((a, b) => a.rate - b.rate || (a.quizId < b.quizId ? -1 : a.quizId > b.quizId ? 1 : 0) || a.position - b.position)
    .map(({ rate, ...q }) => ({ ...q, correctRate: round(rate) }));
}

/** Worst run of failed submitted attempts at one quiz (of `quizIndexes`) the student never passed. */
function failing(userId: string, quizIndexes: number[]): number {
  return Math.max(
    0,
    ...quizIndexes.map((i) => {
      const mine = submitted(i).filter((a) => a.userId === userId);
      return mine.some((a) => a.correct / 4 >= 0.7) ? 0 : mine.length;
    }),
  );
}

describe("course analytics", () => {
  it("gives enrolments, completion, scores, the hardest questions and stuck students exactly", async () => {
    const response = await call(`/v1/courses/${course.courseId}/analytics?hardest=3`, { token: teacher.token });
    expect(response.status).toBe(200);
    const analytics = await json(response);
    const all = summary(submitted());
    expect(analytics).toMatchObject({
      courseId: course.courseId,
      enrolments: 200,
      completed: 20,
      completionRate: 0.1,
      attempts: all.attempts,
      averageScore: all.averageScore,
      passRate: all.passRate,
    });
    expect(all.attempts).toBe(ATTEMPTS - ATTEMPTS / 50);
    expect(analytics.quizzes).toEqual([0, 1].map((i) => ({ quizId: course.quizIds[i], title: `Quiz ${i + 1}`, ...summary(submitted(i)) })));
    expect(analytics.hardestQuestions.map(({ prompt, ...q }: { prompt: string }) => q)).toEqual(expectedQuestions([0, 1]).slice(0, 3));

    const idleBefore = now - 7 * DAY;
    const expected = students
      .filter((s) => s.completedAt === null)
      .map((s) => {
        const failed = failing(s.id, [0, 1]);
        const reasons = [...((s.lastActivityAt ?? s.enrolledAt) < idleBefore ? ["inactive"] : []), ...(failed >= 3 ? ["failing"] : [])];
        return { userId: s.id, failedAttempts: failed, reasons };
      })
      .filter((s) => s.reasons.length > 0)
      .sort((a, b) => (a.userId < b.userId ? -1 : 1));
    const stuck = analytics.stuck.students
      .map((s: { userId: string; failedAttempts: number; reasons: string[] }) => ({
        userId: s.userId,
        failedAttempts: s.failedAttempts,
        reasons: s.reasons,
      }))
      .sort((a: { userId: string }, b: { userId: string }) => (a.userId < b.userId ? -1 : 1));
    expect(analytics.stuck.rule).toEqual({ inactiveDays: 7, failedAttempts: 3, passScore: 0.7 });
    expect(stuck).toEqual(expected);
    expect(expected.some((s) => s.reasons.includes("failing") && !s.reasons.includes("inactive"))).toBe(true);
  });

  it("takes the stuck rule from the query: a longer idle period leaves only those failing or idle longer", async () => {
    const analytics = await json(
      await call(`/v1/courses/${course.courseId}/analytics?inactiveDays=35&failedAttempts=100`, { token: admin.token }),
    );
    // Idle 30 days is not stuck at 35; never active since enrolling 40 days ago is; nobody has 100 failures.
    const expected = students
      .filter((s) => s.completedAt === null && s.lastActivityAt === null)
      .map((s) => s.id)
      .sort();
    expect(analytics.stuck.students.map((s: { userId: string }) => s.userId).sort()).toEqual(expected);
    expect(analytics.stuck.students.every((s: { reasons: string[] }) => s.reasons.join() === "inactive")).toBe(true);
  });
});

describe("quiz analytics", () => {
  it("gives the quiz's figures, every question hardest first, and students failing it", async () => {
    const analytics = await json(await call(`/v1/quizzes/${course.quizIds[1]}/analytics`, { token: teacher.token }));
    expect(analytics).toMatchObject({ quizId: course.quizIds[1], courseId: course.courseId, ...summary(submitted(1)) });
    expect(analytics.questions.map(({ prompt, ...q }: { prompt: string }) => q)).toEqual(expectedQuestions([1]));
    const expected = students
      .filter((s) => s.completedAt === null && failing(s.id, [1]) >= 3)
      .map((s) => s.id)
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(analytics.stuck.students.map((s: { userId: string }) => s.userId).sort()).toEqual(expected);
  });

  it("is for the course's owner and admins only", async () => {
    const student = await newMember(admin, "student");
    await expectProblem(await call(`/v1/quizzes/${course.quizIds[0]}/analytics`, { token: student.token }), 403);
    await expectProblem(await call(`/v1/courses/${course.courseId}/analytics`, { token: student.token }), 403);
    const outsider = await newOrg("analytics-outsider");
    await expectProblem(await call(`/v1/courses/${course.courseId}/analytics`, { token: outsider.token }), 404);
    await expectProblem(await call(`/v1/quizzes/${course.quizIds[0]}/analytics`, { token: outsider.token }), 404);
  });
});
