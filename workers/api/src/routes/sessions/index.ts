/**
 * Everything under /v1/sessions: the sessions themselves, connecting to
 * their rooms, moderating them, and tutoring reports, in that order.
 */
import { newRouter } from "../openapi.ts";
import { moderationRoutes } from "./moderation.ts";
import { reportRoutes } from "./reports.ts";
import { sessionListRoutes } from "./sessions.ts";
import { socketRoutes } from "./socket.ts";

export const sessionRoutes = newRouter()
  .route("/", sessionListRoutes)
  .route("/", socketRoutes)
  .route("/", moderationRoutes)
  .route("/", reportRoutes);
