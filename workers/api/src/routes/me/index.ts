/** Everything under `/v1/me`, chained so `typeof app` still types the client: profile, usage and your courses. */
import { newRouter } from "../openapi.ts";
import { myCourseRoutes } from "./courses.ts";
import { profileRoutes } from "./me.ts";

export const meRoutes = newRouter().route("/", profileRoutes).route("/", myCourseRoutes);
