/**
 * Responses kept under a client's `Idempotency-Key`, per owner: the first 2xx
 * answer to a key, the route and the hash of the request it answered.
 */
import { ProblemError } from "@studyhall/core";
import { and, eq } from "drizzle-orm";
import type { Db } from "./index.ts";
import { idempotencyKeys } from "./tables.ts";

export type Replay = { status: number; body: unknown } | undefined;

/** Looks a key up: the stored response to replay, nothing if the key is new, or a 422 if it was used for something else. */
export async function replayFor(db: Db, ownerId: string, key: string, route: string, requestHash: string): Promise<Replay> {
  const row = await db.query.idempotencyKeys.findFirst({ where: and(eq(idempotencyKeys.ownerId, ownerId), eq(idempotencyKeys.key, key)) });
  if (!row) return undefined;
  if (row.route !== route || row.requestHash !== requestHash) {
    throw new ProblemError("idempotency-key-reused", { detail: "This Idempotency-Key was already used with a different request." });
  }
  return { status: row.status, body: JSON.parse(row.body) };
}

/** Keeps the first answer to a key; a second answer to the same key (a race) leaves the first in place. */
export async function remember(
  db: Db,
  ownerId: string,
  key: string,
  route: string,
  requestHash: string,
  status: number,
  body: unknown,
): Promise<void> {
  await db
    .insert(idempotencyKeys)
    .values({ ownerId, key, route, requestHash, status, body: JSON.stringify(body) })
    .onConflictDoNothing();
}
