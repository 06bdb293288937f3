/**
 * Opens D1 through the Sessions API for each request. The client sends back
 * the bookmark it last received (`X-D1-Bookmark`), so even when reads go to a
 * replica, a user always reads their own writes; the response carries the new one.
 */

import { openDb } from "@studyhall/db";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";

export const BOOKMARK_HEADER = "X-D1-Bookmark";
const BOOKMARK = /^[A-Za-z0-9-]{1,256}$/;

export const d1Session = () =>
  createMiddleware<AppEnv>(async function d1Session(c, next) {
    const sent = c.req.header(BOOKMARK_HEADER);
    const write = !["GET", "HEAD", "OPTIONS"].includes(c.req.method);
    const constraint = sent && BOOKMARK.test(sent) ? sent : write ? "first-primary" : "first-unconstrained";
    const session = c.env.DB.withSession(constraint);
    // Changes to access through this handle invalidate the cached decisions in KV (packages/db access-cache.ts).
    c.set("db", openDb(session, { accessCache: c.env.LESSONS }));
    await next();
    const bookmark = session.getBookmark();
    if (bookmark) c.header(BOOKMARK_HEADER, bookmark);
  });
