/**
 * Signing up, in, and out as one step each: the account rules (accounts.ts,
 * refresh-tokens.ts) and the tokens they end in. A new sign-in starts a token
 * family; a refresh stays in its family and gets the family's next refresh token.
 */

import type { Config, TokenPair } from "@studyhall/core";
import { type Db, type Organisation, organisations, type User } from "@studyhall/db";
import { eq } from "drizzle-orm";
import { signAccessToken } from "./access-token.ts";
import { login, type Registration, register } from "./accounts.ts";
import { familyOf, revokeFamily, rotateRefreshToken, startSession } from "./refresh-tokens.ts";

/** Who signed in, their organisation and their tokens. */
export interface SignedIn {
  user: User;
  organisation: Organisation;
  tokens: TokenPair;
}

/** The token pair for a user: a new family, or (with `familyId`) an access token for an existing one and no refresh token. */
async function tokensFor(db: Db, config: Config, user: User, familyId?: string): Promise<TokenPair> {
  const refresh = familyId ? undefined : await startSession(db, config, user.id);
  return {
    tokenType: "Bearer",
    accessToken: await signAccessToken(config, {
      userId: user.id,
      orgId: user.orgId,
      role: user.role,
      sessionId: familyId ?? refresh!.familyId,
    }),
    expiresIn: config.ACCESS_TOKEN_TTL,
    refreshToken: refresh?.token ?? "",
    refreshExpiresIn: config.REFRESH_TOKEN_TTL,
  };
}

async function organisationOf(db: Db, user: User): Promise<Organisation> {
  return (await db.query.organisations.findFirst({ where: eq(organisations.id, user.orgId) }))!;
}

/**
 * Creates an account (see `register`) and signs it in.
 * @example const { user, tokens } = await signUp(db, config, { email, password, name, organisationName: "Acme" });
 */
export async function signUp(db: Db, config: Config, input: Registration): Promise<SignedIn> {
  const { user, organisation } = await register(db, config, input);
  return { user, organisation, tokens: await tokensFor(db, config, user) };
}

/**
 * Checks an email and password (see `login`) and starts a login session.
 * @throws ProblemError invalid-credentials, account-removed.
 */
export async function signIn(db: Db, config: Config, email: string, password: string): Promise<SignedIn> {
  const user = await login(db, email, password);
  const organisation = await organisationOf(db, user);
  return { user, organisation, tokens: await tokensFor(db, config, user) };
}

/**
 * Trades a refresh token for a new access token and the family's next refresh token (see `rotateRefreshToken`).
 * @example const tokens = await refreshSignIn(db, config, body.refreshToken);
 */
export async function refreshSignIn(db: Db, config: Config, refreshToken: string): Promise<TokenPair> {
  const { user, refresh } = await rotateRefreshToken(db, config, refreshToken);
  const tokens = await tokensFor(db, config, user, refresh.familyId);
  return { ...tokens, refreshToken: refresh.token };
}

/** Ends the login session a refresh token belongs to; an unknown token ends nothing. */
export async function signOut(db: Db, refreshToken: string): Promise<void> {
  const family = await familyOf(db, refreshToken);
  if (family) await revokeFamily(db, family.familyId);
}
