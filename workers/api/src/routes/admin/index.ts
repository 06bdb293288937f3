/** `/v1/admin`: the organisation's queue dashboard, its figures and job history, and its actions. */
import { newRouter } from "../openapi.ts";
import { adminActionRoutes } from "./actions.ts";
import { dashboardRoutes } from "./admin.ts";

export const adminRoutes = newRouter().route("/", dashboardRoutes).route("/", adminActionRoutes);
