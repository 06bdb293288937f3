/** `/v1/jobs`: one's own jobs (list, read, cancel, retry) and following one live (events, WebSocket, ticket). */
import { newRouter } from "../openapi.ts";
import { jobEventRoutes } from "./events.ts";
import { ownJobRoutes } from "./jobs.ts";

export const jobRoutes = newRouter().route("/", ownJobRoutes).route("/", jobEventRoutes);
