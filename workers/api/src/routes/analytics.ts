/**
 * Teachers' analytics for a course or one of its quizzes (its owner or an
 * admin): enrolments and completion, scores, the hardest questions and the
 * students who are stuck. Only students' submitted attempts count.
 *
 * Stuck means enrolled, not finished, and either no activity (a lesson read
 * or an attempt submitted) for `inactiveDays` days, counted from enrolment for
 * someone who never started, or `failedAttempts` failed attempts at one quiz
 * they have not passed since. For a quiz, only the second applies.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { QUIZ_PASS_SCORE, STUCK_FAILED_ATTEMPTS, STUCK_INACTIVE_DAYS } from "@studyhall/core";
import {
  assertCanEdit,
  enrolmentCounts,
  type QuestionFigures,
  questionFigures,
  quizFigures,
  type StuckRow,
  stuckStudents,
  visibleQuiz,
} from "@studyhall/db";
import { currentUser } from "../middleware/auth.ts";
import { visibleCourse } from "./lessons.ts";
import { bearer, idParam, json, newRouter, pick } from "./openapi.ts";
import { iso } from "./views.ts";

const round = (x: number) => Math.round(x * 10_000) / 10_000;
const ratio = (part: number, whole: number) => (whole ? round(part / whole) : null);

const questionStats = z.object({
  questionId: z.string(),
  quizId: z.string(),
  position: z.number().int(),
  prompt: z.string(),
  attempts: z.number().int(),
  answered: z.number().int(),
  correct: z.number().int(),
  correctRate: z.number().nullable(),
});
const quizStats = z.object({
  quizId: z.string(),
  title: z.string(),
  attempts: z.number().int(),
  students: z.number().int(),
  averageScore: z.number().nullable(),
  passRate: z.number().nullable(),
});
const stuckSchema = z.object({
  rule: z.object({ inactiveDays: z.number().int().nullable(), failedAttempts: z.number().int(), passScore: z.number() }),
  students: z.array(
    z.object({
      userId: z.string(),
      name: z.string(),
      email: z.string(),
      enrolledAt: z.string(),
      lastActivityAt: z.string().nullable(),
      failedAttempts: z.number().int(),
      reasons: z.array(z.enum(["inactive", "failing"])),
    }),
  ),
});
const courseAnalytics = z
  .object({
    courseId: z.string(),
    enrolments: z.number().int(),
    completed: z.number().int(),
    completionRate: z.number().nullable(),
    attempts: z.number().int(),
    averageScore: z.number().nullable(),
    passRate: z.number().nullable(),
    quizzes: z.array(quizStats),
    hardestQuestions: z.array(questionStats),
    stuck: stuckSchema,
  })
  .openapi("CourseAnalytics");
const quizAnalytics = quizStats
  .extend({ courseId: z.string(), questions: z.array(questionStats), stuck: stuckSchema })
  .openapi("QuizAnalytics");

const stuckQuery = z.object({
  inactiveDays: z.coerce.number().int().min(1).max(365).default(STUCK_INACTIVE_DAYS),
  failedAttempts: z.coerce.number().int().min(1).max(100).default(STUCK_FAILED_ATTEMPTS),
});

const questionView = (q: QuestionFigures) => ({ ...q, correctRate: ratio(q.correct, q.attempts) });

function stuckView(rows: StuckRow[], rule: { inactiveDays: number | null; failedAttempts: number }, now: number) {
  const idleBefore = rule.inactiveDays === null ? null : now - rule.inactiveDays * 86_400_000;
  return {
    rule: { ...rule, passScore: QUIZ_PASS_SCORE },
    students: rows.map((r) => ({
      userId: r.userId,
      name: r.name,
      email: r.email,
      enrolledAt: iso(new Date(r.enrolledAt))!,
      lastActivityAt: r.lastActivityAt === null ? null : iso(new Date(r.lastActivityAt)),
      failedAttempts: r.failedAttempts,
      reasons: [
        ...(idleBefore !== null && (r.lastActivityAt ?? r.enrolledAt) < idleBefore ? (["inactive"] as const) : []),
        ...(r.failedAttempts >= rule.failedAttempts ? (["failing"] as const) : []),
      ],
    })),
  };
}

export const analyticsRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/courses/{id}/analytics",
      tags: ["learning"],
      security: bearer,
      summary: "Enrolments, completion, scores, the hardest questions and stuck students (the course's owner or an admin)",
      request: { params: idParam, query: stuckQuery.extend({ hardest: z.coerce.number().int().min(1).max(50).default(5) }) },
      responses: { 200: json(courseAnalytics, "The course's figures"), ...pick(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const course = await visibleCourse(db, me, c.req.valid("param").id);
      assertCanEdit(me, course);
      const { inactiveDays, failedAttempts, hardest } = c.req.valid("query");
      const now = Date.now();
      const scope = { courseId: course.id };
      const [counts, quizRows, questionRows, stuckRows] = await Promise.all([
        enrolmentCounts(db, course.id),
        quizFigures(db, scope),
        questionFigures(db, scope, hardest),
        stuckStudents(db, scope, { inactiveDays, failedAttempts, now }),
      ]);
      const attempts = quizRows.reduce((n, q) => n + q.attempts, 0);
      const scoreSum = quizRows.reduce((n, q) => n + q.scoreSum, 0);
      const passed = quizRows.reduce((n, q) => n + q.passed, 0);
      return c.json(
        {
          courseId: course.id,
          enrolments: counts.enrolled,
          completed: counts.completed,
          completionRate: ratio(counts.completed, counts.enrolled),
          attempts,
          averageScore: ratio(scoreSum, attempts),
          passRate: ratio(passed, attempts),
          quizzes: quizRows.map((q) => ({
            quizId: q.quizId,
            title: q.title,
            attempts: q.attempts,
            students: q.students,
            averageScore: ratio(q.scoreSum, q.attempts),
            passRate: ratio(q.passed, q.attempts),
          })),
          hardestQuestions: questionRows.filter((q) => q.attempts > 0).map(questionView),
          stuck: stuckView(stuckRows, { inactiveDays, failedAttempts }, now),
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/quizzes/{id}/analytics",
      tags: ["learning"],
      security: bearer,
      summary:
        "A quiz's attempts, scores, every question's correct rate (hardest first) and students failing it (the course's owner or an admin)",
      request: { params: idParam, query: stuckQuery.pick({ failedAttempts: true }) },
      responses: { 200: json(quizAnalytics, "The quiz's figures"), ...pick(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const { quiz, course } = await visibleQuiz(db, me, c.req.valid("param").id);
      assertCanEdit(me, course);
      const { failedAttempts } = c.req.valid("query");
      const now = Date.now();
      const scope = { courseId: course.id, quizId: quiz.id };
      const [[figures], questionRows, stuckRows] = await Promise.all([
        quizFigures(db, scope),
        questionFigures(db, scope),
        stuckStudents(db, scope, { inactiveDays: null, failedAttempts, now }),
      ]);
      const f = figures ?? { attempts: 0, students: 0, scoreSum: 0, passed: 0 };
      return c.json(
        {
          quizId: quiz.id,
          courseId: course.id,
          title: quiz.title,
          attempts: f.attempts,
          students: f.students,
          averageScore: ratio(f.scoreSum, f.attempts),
          passRate: ratio(f.passed, f.attempts),
          questions: questionRows.map(questionView),
          stuck: stuckView(stuckRows, { inactiveDays: null, failedAttempts }, now),
        },
        200,
      );
    },
  );
