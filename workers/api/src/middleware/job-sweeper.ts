/**
 * Makes sure the JobSweeper object is sweeping, so recovery needs no cron
 * trigger (which `wrangler dev` never fires): the first request an isolate
 * serves calls its `ensure()`, which sets the alarm if none is set and, if the
 * object has just started, sweeps at once. Under `npm run dev` that first
 * request is the readiness probe of scripts/dev.mjs, so a restart recovers the
 * jobs it interrupted without anyone opening a page.
 *
 * It costs one Durable Object call per isolate, made from `waitUntil`, so no
 * response waits for it; a failed call is logged and tried again by the next
 * request.
 */
import { ensureSweeper } from "@studyhall/objects";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";

export const jobSweeper = () =>
  createMiddleware<AppEnv>(async function ensureJobSweeper(c, next) {
    const call = ensureSweeper(c.env);
    try {
      c.executionCtx.waitUntil(call);
    } catch {
      // No execution context (the app called directly, as in a script): the call runs on without one.
    }
    await next();
  });
