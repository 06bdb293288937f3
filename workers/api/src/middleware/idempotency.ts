/**
 * `Idempotency-Key` for POSTs that create work: the first 2xx response to a
 * key is kept; the same key with the same request gets it again (and no new
 * work), the same key with a different request is a 422.
 */

import { sha256Hex } from "@studyhall/auth";
import { ProblemError } from "@studyhall/core";
import { remember, replayFor } from "@studyhall/db";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";

const KEY = /^[A-Za-z0-9._:-]{8,200}$/;

/** The key the client sent, validated; undefined if none. */
export function idempotencyKeyOf(c: Context<AppEnv>): string | undefined {
  const key = c.req.header("Idempotency-Key");
  if (key === undefined) return undefined;
  if (!KEY.test(key)) {
    throw new ProblemError("bad-request", { detail: "Idempotency-Key must be 8 to 200 characters of letters, digits and . _ : -" });
  }
  return key;
}

/** For JSON routes: the request is its method, path and body. Mount after `authenticate()`. */
export const idempotent = () =>
  createMiddleware<AppEnv>(async function idempotent(c, next) {
    const key = idempotencyKeyOf(c);
    const user = c.get("user");
    if (!key || !user) return next();
    const route = `${c.req.method} ${c.req.path}`;
    const requestHash = await sha256Hex(`${route}\n${await c.req.raw.clone().text()}`);
    const replay = await replayFor(c.get("db"), user.id, key, route, requestHash);
    if (replay) {
      c.res = c.json(replay.body, replay.status as 200, { "Idempotent-Replayed": "true" });
      return;
    }
    await next();
    if (c.res.status >= 200 && c.res.status < 300) {
      const body = await c.res
        .clone()
        .json()
        .catch(() => null);
      await remember(c.get("db"), user.id, key, route, requestHash, c.res.status, body);
    }
  });
