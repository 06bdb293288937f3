/** The edge API worker: the Hono app, and the Durable Object classes every worker binds to. */
import { newApp } from "./app.ts";

export { Counters, JobChannel, JobSweeper, LlmGate, RateLimiter, SessionRoom } from "@studyhall/objects";

const app = newApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<ApiEnv>;
