/**
 * The web pages the API worker serves: the studio at `/` and the queue
 * dashboard at `/admin`, with their modules and stylesheet under `/web/`.
 * They are not JSON API routes (test/workers/openapi.test.ts lists them as
 * undocumented). The server sends static shells and modules only; the browser
 * fills them from /v1 with the signed-in user's token.
 */

import { ProblemError } from "@studyhall/core";
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { adminPage, studioPage } from "../web/pages.tsx";
import { webSecurityHeaders } from "../web/security-headers.ts";
import { webAsset } from "./web-assets.ts";

/** Renders once per isolate: the shells do not depend on the request. */
function once(render: () => string): () => string {
  let html: string | undefined;
  return () => {
    html ??= render();
    return html;
  };
}
const studio = once(studioPage);
const admin = once(adminPage);

/** Always revalidated (a deploy shows at once), and cheap to revalidate: assets answer 304 by ETag. */
const REVALIDATE = "no-cache";

export const webRoutes = new Hono<AppEnv>()
  .get("/", webSecurityHeaders(), (c) => c.html(studio(), 200, { "Cache-Control": REVALIDATE }))
  .get("/admin", webSecurityHeaders(), (c) => c.html(admin(), 200, { "Cache-Control": REVALIDATE }))
  .get("/web/:name", webSecurityHeaders(), async (c) => {
    const asset = await webAsset(c.req.param("name"));
    if (!asset) throw new ProblemError("not-found", { detail: `No web asset is called ${c.req.param("name")}.` });
    const headers = { ETag: asset.etag, "Cache-Control": REVALIDATE };
    if (c.req.header("If-None-Match") === asset.etag) return c.body(null, 304, headers);
    return c.body(asset.body, 200, { ...headers, "Content-Type": asset.type });
  });
