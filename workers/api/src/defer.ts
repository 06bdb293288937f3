/**
 * What a route hands off its response path: `{ defer: deferTo(c) }`. It takes the work rather than its
 * promise, so the binding-call count can tell every call the work makes as off the path.
 */
import type { Context } from "hono";
import type { AppEnv } from "./env.ts";
import { offResponsePath } from "./middleware/binding-calls.ts";

export const deferTo =
  (c: Context<AppEnv>) =>
  (work: () => Promise<unknown>): void =>
    c.executionCtx.waitUntil(offResponsePath(work));
