/**
 * The API worker's application: one `newApp()` with the middleware order that
 * every request goes through, the routes chained so `typeof app` types a
 * client, and one error handler.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { ProblemError } from "@studyhall/core";
import type { AppEnv } from "./env.ts";
import { onError, problemResponse } from "./errors.ts";
import { authenticate, authenticateLessonRead, isLessonRead } from "./middleware/auth.ts";
import { bindingCalls } from "./middleware/binding-calls.ts";
import { d1Session } from "./middleware/d1-session.ts";
import { jobSweeper } from "./middleware/job-sweeper.ts";
import { jsonBody } from "./middleware/json-body.ts";
import { rateLimit } from "./middleware/rate-limit.ts";
import { requestContext } from "./middleware/request-context.ts";
import { methodsFor } from "./route-methods.ts";
import { adminRoutes } from "./routes/admin/index.ts";
import { mountApiDocs } from "./routes/api-docs.ts";
import { attemptRoutes } from "./routes/attempts/index.ts";
import { authRoutes } from "./routes/auth/index.ts";
import { catalogueRoutes } from "./routes/catalogue/index.ts";
import { courseRoutes } from "./routes/courses/index.ts";
import { documentRoutes } from "./routes/documents/index.ts";
import { exportRoutes } from "./routes/exports/index.ts";
import { healthRoutes } from "./routes/health.ts";
import { jobRoutes } from "./routes/jobs/index.ts";
import { meRoutes } from "./routes/me/index.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { orgRoutes } from "./routes/orgs/index.ts";
import { platformRoutes } from "./routes/platform/index.ts";
import { questionRoutes } from "./routes/questions/index.ts";
import { quizRoutes } from "./routes/quizzes/index.ts";
import { sessionRoutes } from "./routes/sessions/index.ts";
import { webRoutes } from "./routes/web.ts";

// Live job streams check a single-use ticket (browsers cannot send headers on a WebSocket or an EventSource)
// or the bearer token themselves, in routes/jobs/events.ts; so does the session WebSocket, in routes/sessions/socket.ts.
// An export's download link carries its own signature (routes/exports/), so it works as a plain link.
const PUBLIC_V1 = /^\/v1\/(?:auth\/|jobs\/[^/]+\/(?:ws|events)$|sessions\/[^/]+\/ws$|exports\/[^/]+\/download$)/;
/** The session WebSocket: its single-use ticket authenticates it, and it has no body. */
const SESSION_SOCKET = /^\/v1\/sessions\/[^/]+\/ws$/;

export function newApp() {
  const app = new OpenAPIHono<AppEnv>();
  app.onError(onError);
  app.use("*", bindingCalls());
  app.use("*", requestContext());
  app.use("*", jobSweeper());
  app.use("/v1/*", d1Session());
  app.use("/metrics", d1Session());
  // Uploads carry a PDF, not JSON, and check their own size and type.
  app.use("/v1/*", jsonBody({ skip: (path) => path === "/v1/documents" || path === "/v1/documents/" || SESSION_SOCKET.test(path) }));
  // Everything under /v1 but sign-in needs a token and counts against the general API limit.
  app.use("/v1/*", async (c, next) => {
    if (PUBLIC_V1.test(c.req.path)) return next();
    // The cached lesson read decides access from the same KV call that brings the lesson.
    return isLessonRead(c.req.method, c.req.path) ? authenticateLessonRead()(c, next) : authenticate()(c, next);
  });
  app.use("/v1/*", async (c, next) => (PUBLIC_V1.test(c.req.path) ? next() : rateLimit("api")(c, next)));

  const routes = app
    .route("/", healthRoutes)
    .route("/", metricsRoutes)
    .route("/", webRoutes)
    .route("/v1/auth", authRoutes)
    .route("/v1/me", meRoutes)
    .route("/v1/orgs", orgRoutes)
    .route("/v1/courses", courseRoutes)
    .route("/v1/exports", exportRoutes)
    .route("/v1/questions", questionRoutes)
    .route("/v1/catalogue", catalogueRoutes)
    .route("/v1/quizzes", quizRoutes)
    .route("/v1/attempts", attemptRoutes)
    .route("/v1/documents", documentRoutes)
    .route("/v1/jobs", jobRoutes)
    .route("/v1/sessions", sessionRoutes)
    .route("/v1/admin", adminRoutes)
    .route("/v1/platform", platformRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  mountApiDocs(app);

  app.notFound((c) => {
    const allowed = methodsFor(app.routes, c.req.path);
    if (allowed.length) {
      return problemResponse(
        c,
        new ProblemError("method-not-allowed", {
          detail: `${c.req.method} is not supported here; use ${allowed.join(", ")}.`,
          headers: { Allow: allowed.join(", ") },
        }),
      );
    }
    return problemResponse(c, new ProblemError("not-found", { detail: `No route matches ${c.req.method} ${c.req.path}.` }));
  });
  return routes;
}

export type AppType = ReturnType<typeof newApp>;
