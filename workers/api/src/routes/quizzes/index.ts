/** Everything under /v1/quizzes: a quiz's settings and starting an attempt. */
import { newRouter } from "../openapi.ts";
import { quizSettingRoutes } from "./quizzes.ts";

// The quiz's analytics (GET /{id}/analytics, today in routes/analytics.ts) is chained here, after the quiz routes, once it moves.
export const quizRoutes = newRouter().route("/", quizSettingRoutes);
