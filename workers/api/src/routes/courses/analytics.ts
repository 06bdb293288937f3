/**
 * A course's figures for its owner or an admin: enrolments and completion,
 * scores, the hardest questions and the students who are stuck. Only
 * students' submitted attempts count.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { courseFigures } from "@studyhall/db";
import { currentUser } from "../../middleware/auth.ts";
import { questionStats, questionView, quizStats, ratio, stuckQuery, stuckSchema, stuckView } from "../analytics-views.ts";
import { bearer, idParam, json, newRouter, pick } from "../openapi.ts";

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

export const courseAnalyticsRoutes = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/{id}/analytics",
    tags: ["learning"],
    security: bearer,
    summary: "Enrolments, completion, scores, the hardest questions and stuck students (the course's owner or an admin)",
    request: { params: idParam, query: stuckQuery.extend({ hardest: z.coerce.number().int().min(1).max(50).default(5) }) },
    responses: { 200: json(courseAnalytics, "The course's figures"), ...pick(400, 401, 403, 404, 429) },
  }),
  async (c) => {
    const { inactiveDays, failedAttempts, hardest } = c.req.valid("query");
    const now = Date.now();
    const figures = await courseFigures(c.get("db"), currentUser(c), c.req.valid("param").id, {
      inactiveDays,
      failedAttempts,
      hardest,
      now,
    });
    const { course, enrolments: counts, quizzes: quizRows, questions: questionRows, stuck: stuckRows } = figures;
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
);
