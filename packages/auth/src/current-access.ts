/**
 * The one decision every authenticated request waits for: may the holder of
 * this access token act now? The token only says who it was issued to and for
 * which login; the account (removed or not, its organisation and role) and
 * the login (signed out, or revoked after a replayed refresh token) are read
 * in one D1 query, so ending a login or removing a member takes effect at the
 * next request rather than when the token lapses.
 */

import { type Db, instant, type User, users } from "@studyhall/db";
import { and, eq, sql } from "drizzle-orm";
import type { AccessClaims } from "./access-token.ts";

/** Why a verified token may not act: the account is gone or removed, or its login has ended. */
export type AccessDenial = "no-account" | "removed" | "login-ended";

export type Access = { live: true; user: User } | { live: false; reason: AccessDenial };

/**
 * Reads the token's account and whether its login is still live, in one query
 * (the login check is an indexed `exists` on the refresh-token family).
 * @example
 * const access = await currentAccess(db, principal);
 * if (!access.live) throw new ProblemError("invalid-token", { detail: accessDenialDetail(access.reason) });
 */
export async function currentAccess(
  db: Db,
  claims: Pick<AccessClaims, "userId" | "orgId" | "sessionId">,
  now = Date.now(),
): Promise<Access> {
  // A login is live while its family holds a token that is neither spent, revoked nor expired:
  // rotation revokes the old token only after issuing the next, logout and replay detection revoke them all.
  // Spelled with table names: drizzle leaves columns unqualified in a one-table select, and "id" would be ambiguous.
  const loginLive = sql<number>`exists (select 1 from refresh_tokens as rt where rt.family_id = ${claims.sessionId} and rt.user_id = users.id and rt.revoked_at is null and rt.expires_at > ${instant(now)})`;
  const [row] = await db
    .select({ user: users, loginLive })
    .from(users)
    .where(and(eq(users.id, claims.userId), eq(users.orgId, claims.orgId)));
  if (!row) return { live: false, reason: "no-account" };
  if (row.user.removedAt) return { live: false, reason: "removed" };
  if (!row.loginLive) return { live: false, reason: "login-ended" };
  return { live: true, user: row.user };
}

/** What a client is told when its token may not act. */
export function accessDenialDetail(reason: AccessDenial): string {
  if (reason === "removed") return "This account was removed from its organisation.";
  if (reason === "login-ended") return "This login has ended (signed out, or revoked after a refresh token was reused); sign in again.";
  return "The account this token was issued to no longer exists.";
}
