/**
 * A quiz's figures for its course's owner or an admin: attempts, scores,
 * every question's correct rate (hardest first) and the students failing it.
 * Only students' submitted attempts count.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { quizFiguresReport } from "@studyhall/db";
import { currentUser } from "../../middleware/auth.ts";
import { questionStats, questionView, quizStats, ratio, stuckQuery, stuckSchema, stuckView } from "../analytics-views.ts";
import { bearer, idParam, json, newRouter, pick } from "../openapi.ts";

const quizAnalytics = quizStats
  .extend({ courseId: z.string(), questions: z.array(questionStats), stuck: stuckSchema })
  .openapi("QuizAnalytics");

/** `GET /v1/quizzes/{id}/analytics`, mounted under /v1/quizzes. */
export const quizAnalyticsRoutes = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/{id}/analytics",
    tags: ["learning"],
    security: bearer,
    summary:
      "A quiz's attempts, scores, every question's correct rate (hardest first) and students failing it (the course's owner or an admin)",
    request: { params: idParam, query: stuckQuery.pick({ failedAttempts: true }) },
    responses: { 200: json(quizAnalytics, "The quiz's figures"), ...pick(400, 401, 403, 404, 429) },
  }),
  async (c) => {
    const { failedAttempts } = c.req.valid("query");
    const now = Date.now();
    const report = await quizFiguresReport(c.get("db"), currentUser(c), c.req.valid("param").id, { failedAttempts, now });
    const { quiz, course } = report;
    const f = report.figures ?? { attempts: 0, students: 0, scoreSum: 0, passed: 0 };
    return c.json(
      {
        quizId: quiz.id,
        courseId: course.id,
        title: quiz.title,
        attempts: f.attempts,
        students: f.students,
        averageScore: ratio(f.scoreSum, f.attempts),
        passRate: ratio(f.passed, f.attempts),
        questions: report.questions.map(questionView),
        stuck: stuckView(report.stuck, { inactiveDays: null, failedAttempts }, now),
      },
      200,
    );
  },
);
