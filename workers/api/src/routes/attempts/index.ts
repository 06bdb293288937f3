/** Everything under /v1/attempts: one quiz attempt, read, answered and submitted. */
import { newRouter } from "../openapi.ts";
import { attemptActionRoutes } from "./attempts.ts";

export const attemptRoutes = newRouter().route("/", attemptActionRoutes);
