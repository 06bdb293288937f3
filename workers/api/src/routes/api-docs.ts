/**
 * The API's own description: `GET /openapi.json` (OpenAPI 3.1, generated from
 * the zod schemas the routes validate with) and `GET /docs`, a page that
 * renders it without loading anything from elsewhere.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { docsPage } from "./api-docs-page.ts";

type OpenApiDocument = ReturnType<OpenAPIHono<AppEnv>["getOpenAPI31Document"]>;

let cached: OpenApiDocument | undefined;

export function openApiDocument(app: OpenAPIHono<AppEnv>): OpenApiDocument {
  cached ??= app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "studyhall API",
      version: "1",
      description:
        "Documents to courses on the edge. Every error is an RFC 9457 problem document (application/problem+json) with a requestId. Authenticate with `Authorization: Bearer <access token>` from /v1/auth/login.",
    },
    servers: [{ url: "/" }],
  });
  return cached;
}

/** Mounts the document and its page on the finished app (every route must be registered first). */
export function mountApiDocs(app: OpenAPIHono<AppEnv>): void {
  app.get("/openapi.json", (c) => c.json(openApiDocument(app), 200, { "Cache-Control": "public, max-age=300" }));
  app.get("/docs", (c) => c.html(docsPage(), 200, { "Cache-Control": "public, max-age=300" }));
}
