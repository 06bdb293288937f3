/** Everything under /v1/quizzes: a quiz's settings, starting an attempt, and the quiz's analytics. */
import { newRouter } from "../openapi.ts";
import { quizAnalyticsRoutes } from "./analytics.ts";
import { quizSettingRoutes } from "./quizzes.ts";

export const quizRoutes = newRouter().route("/", quizSettingRoutes).route("/", quizAnalyticsRoutes);
