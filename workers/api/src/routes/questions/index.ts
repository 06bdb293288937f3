/** Everything under /v1/questions; the fixed paths (`/trending`) come before `/{id}`. */
import { newRouter } from "../openapi.ts";
import { bankRoutes } from "./practice.ts";
import { practiceAnswerRoutes } from "./practice-answers.ts";

export const questionRoutes = newRouter().route("/", practiceAnswerRoutes).route("/", bankRoutes);
