/**
 * Rotating refresh tokens. A token is `<random>`; only its SHA-256 is stored.
 * Rotation is a conditional update (only an unrevoked token can be rotated),
 * so two concurrent refreshes with one token cannot both succeed: the loser is
 * treated as a replay and the whole family is revoked.
 */

import { type Config, ProblemError } from "@studyhall/core";
import { type Db, forgetLoginAccess, refreshTokens, type User, users } from "@studyhall/db";
import { and, eq, isNull } from "drizzle-orm";
import { randomToken, sha256Hex } from "./encoding.ts";

export interface IssuedRefresh {
  token: string;
  familyId: string;
  expiresIn: number;
}

async function insertToken(db: Db, config: Config, userId: string, familyId: string, now: number): Promise<IssuedRefresh & { id: string }> {
  const token = randomToken(32);
  const id = crypto.randomUUID();
  await db.insert(refreshTokens).values({
    id,
    userId,
    familyId,
    tokenHash: await sha256Hex(token),
    expiresAt: new Date(now + config.REFRESH_TOKEN_TTL * 1000),
    createdAt: new Date(now),
  });
  return { id, token, familyId, expiresIn: config.REFRESH_TOKEN_TTL };
}

/** Starts a new login session (a token family) for a user. */
export function startSession(db: Db, config: Config, userId: string, now = Date.now()): Promise<IssuedRefresh> {
  return insertToken(db, config, userId, crypto.randomUUID(), now);
}

/** Revokes every token of a family: logout, or the answer to a replay. */
export async function revokeFamily(db: Db, familyId: string, now = Date.now()): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revokedAt: new Date(now) })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
  // The login's cached access decisions end with it.
  await forgetLoginAccess(db, familyId);
}

const rejected = (detail: string) => new ProblemError("invalid-token", { detail });

/**
 * Trades a refresh token for the next one in its family.
 * @throws ProblemError refresh-token-reused when the token was already rotated (the family is revoked).
 */
export async function rotateRefreshToken(
  db: Db,
  config: Config,
  token: string,
  now = Date.now(),
): Promise<{ user: User; refresh: IssuedRefresh }> {
  const row = await db.query.refreshTokens.findFirst({ where: eq(refreshTokens.tokenHash, await sha256Hex(token)) });
  if (!row) throw rejected("The refresh token is not recognised.");
  if (row.revokedAt) {
    if (row.replacedBy) {
      await revokeFamily(db, row.familyId, now);
      throw new ProblemError("refresh-token-reused", {
        detail: "This refresh token was already used. Every session token of this login has been revoked; sign in again.",
      });
    }
    throw rejected("The refresh token has been revoked.");
  }
  if (row.expiresAt.getTime() <= now) throw rejected("The refresh token has expired.");

  const next = await insertToken(db, config, row.userId, row.familyId, now);
  const claimed = await db
    .update(refreshTokens)
    .set({ revokedAt: new Date(now), replacedBy: next.id })
    .where(and(eq(refreshTokens.id, row.id), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  if (claimed.length === 0) {
    // Another request rotated this token first: that is a replay.
    await revokeFamily(db, row.familyId, now);
    throw new ProblemError("refresh-token-reused", { detail: "This refresh token was used twice; the session was revoked." });
  }
  const user = await db.query.users.findFirst({ where: eq(users.id, row.userId) });
  if (!user) throw rejected("The account no longer exists.");
  // Removal revokes the account's tokens; this catches a refresh that raced with it.
  if (user.removedAt) {
    await revokeFamily(db, row.familyId, now);
    throw rejected("This account was removed from its organisation.");
  }
  return { user, refresh: next };
}

/** Finds the family of a token without rotating it (for logout). */
export async function familyOf(db: Db, token: string): Promise<{ familyId: string; userId: string } | undefined> {
  const row = await db.query.refreshTokens.findFirst({ where: eq(refreshTokens.tokenHash, await sha256Hex(token)) });
  return row ? { familyId: row.familyId, userId: row.userId } : undefined;
}
