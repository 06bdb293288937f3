/**
 * Opens the relational store for each request. On D1 it reads through the
 * Sessions API: the client sends back the bookmark it last received
 * (`X-D1-Bookmark`), so even when reads go to a replica, a user always reads
 * their own writes; the response carries the new one. A PostgreSQL handle's
 * connection ends once the request and the work it left for after the
 * response (`waitUntil`, which may still write through the handle) are done.
 * A lesson read's handle is made only when first asked for (`requestDb`).
 */

import { closeDb, type Db, openRequestDb, relationalStore } from "@studyhall/db";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { isLessonRead } from "./auth.ts";

export const BOOKMARK_HEADER = "X-D1-Bookmark";
const BOOKMARK = /^[A-Za-z0-9-]{1,256}$/;

export const d1Session = () =>
  createMiddleware<AppEnv>(async function d1Session(c, next) {
    const sent = c.req.header(BOOKMARK_HEADER);
    const write = !["GET", "HEAD", "OPTIONS"].includes(c.req.method);
    let opened: ReturnType<typeof openRequestDb> | undefined;
    const open = () => {
      // Changes to access through this handle invalidate the cached decisions in KV (packages/db access-cache.ts).
      opened ??= openRequestDb(c.env, { bookmark: sent && BOOKMARK.test(sent) ? sent : undefined, write }, { accessCache: c.env.LESSONS });
      return opened.db;
    };
    // A cached lesson read asks the store nothing, so its handle is made only if the read turns out to need one
    // (`requestDb`), and a request that made none has nothing to end.
    const lesson = isLessonRead(c.req.method, c.req.path);
    if (lesson) c.set("openDb", open);
    else c.set("db", open());
    const closing = relationalStore(c.env) === "postgres" ? closeAfterDeferredWork(c) : undefined;
    try {
      await next();
    } finally {
      // A later middleware may have opened a handle of its own (authenticateLessonRead).
      const handles = [opened?.db, c.get("db")].filter((db): db is Db => db !== undefined);
      if (handles.length) closing?.(handles);
    }
    const bookmark = opened?.bookmarkAfter();
    if (bookmark) c.header(BOOKMARK_HEADER, bookmark);
  });

/** The request's handle; a lesson read's is made on this first call. */
export function requestDb(c: Context<AppEnv>): Db {
  return c.get("db") ?? c.get("openDb")!();
}

/** Notes what the request defers from here on; the function it returns ends the handles once all of it settled. */
function closeAfterDeferredWork(c: Context<AppEnv>): (handles: Db[]) => void {
  const ctx = c.executionCtx;
  const deferred: Promise<unknown>[] = [];
  // The context's own waitUntil, or the wrapper an earlier middleware put there (binding-calls.ts).
  const own = Object.getOwnPropertyDescriptor(ctx, "waitUntil");
  const base = (): ((promise: Promise<unknown>) => void) =>
    own?.get ? own.get.call(ctx) : (own?.value ?? Object.getPrototypeOf(ctx).waitUntil).bind(ctx);
  Object.defineProperty(ctx, "waitUntil", {
    configurable: true,
    get() {
      const waitUntil = base();
      return (promise: Promise<unknown>) => {
        deferred.push(promise);
        waitUntil(promise);
      };
    },
  });
  return (handles) => {
    const close = async () => {
      // Deferred work may defer more; wait until nothing new was added.
      for (let settled = 0; settled < deferred.length; ) {
        const batch = deferred.slice(settled);
        settled = deferred.length;
        await Promise.allSettled(batch);
      }
      await Promise.all([...new Set(handles)].map(closeDb));
    };
    base()(close());
  };
}
