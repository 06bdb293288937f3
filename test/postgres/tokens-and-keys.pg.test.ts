/**
 * Refresh-token rotation and idempotency keys on PostgreSQL, raced as
 * clients race them: the same refresh token sent by several tabs at once,
 * the same Idempotency-Key answered by requests that crossed.
 */
import { rotateRefreshToken, startSession } from "@studyhall/auth";
import { loadConfig } from "@studyhall/core";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { remember, replayFor } from "../../packages/db/src/idempotency-store.ts";
import { newOwner, type PgStore, schema, startPgStore } from "./pg-store.ts";

let store: PgStore;
const config = loadConfig({});

beforeAll(async () => {
  store = await startPgStore();
});

afterAll(async () => {
  await store?.stop();
});

describe("refresh-token rotation on PostgreSQL", () => {
  it("one token refreshed 10 times at once is rotated once; the rest are replays, and the whole login is revoked", async () => {
    const { userId } = await newOwner(store.pg);
    const login = await startSession(store.db, config, userId);
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => rotateRefreshToken(store.racer(), config, login.token)));

    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as { type?: string }] : []));
    expect(refused).toHaveLength(9);
    for (const problem of refused) expect(String((problem as { type?: string }).type)).toMatch(/refresh-token-reused/);
    const family = await store.pg.select().from(schema.refreshTokens).where(eq(schema.refreshTokens.familyId, login.familyId));
    // Each racer may have written its successor before losing the claim; none of them may stay usable.
    expect(family.length).toBeGreaterThanOrEqual(2);
    for (const token of family) expect(token.revokedAt).toBeInstanceOf(Date);
  });

  it("a token rotated in turn goes on working, and its predecessor is a replay", async () => {
    const { userId } = await newOwner(store.pg);
    const login = await startSession(store.db, config, userId);
    const next = await rotateRefreshToken(store.db, config, login.token);
    const after = await rotateRefreshToken(store.db, config, next.refresh.token);
    expect(after.user.id).toBe(userId);
    await expect(rotateRefreshToken(store.db, config, login.token)).rejects.toMatchObject({
      type: expect.stringMatching(/refresh-token-reused/),
    });
  });
});

describe("idempotency keys on PostgreSQL", () => {
  it("answers kept for one key by requests that crossed leave the first, and every replay gets that one", async () => {
    const { userId } = await newOwner(store.pg);
    const key = `key-${crypto.randomUUID()}`;
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => remember(store.racer(), userId, key, "POST /v1/jobs", "hash", 202, { answer: i })),
    );
    const kept = await store.pg.select().from(schema.idempotencyKeys).where(eq(schema.idempotencyKeys.key, key));
    expect(kept).toHaveLength(1);
    const replay = await replayFor(store.db, userId, key, "POST /v1/jobs", "hash");
    expect(replay).toEqual({ status: 202, body: JSON.parse(kept[0]!.body) });
    await expect(replayFor(store.db, userId, key, "POST /v1/jobs", "another request")).rejects.toMatchObject({
      type: expect.stringMatching(/idempotency-key-reused/),
    });
  });
});
