/**
 * Authentication and role checks. The bearer token says who is calling; the
 * user row (not the token) says their current organisation and role, and the
 * login behind the token must still be live, so a role change, a removed
 * member or a signed-out login takes effect at once (see `currentAccess`).
 */

import { accessDenialDetail, currentAccess, type Principal, verifyAccessToken } from "@studyhall/auth";
import { isPlatformOperator, ProblemError, type Role } from "@studyhall/core";
import { type Db, organisations, type User, users } from "@studyhall/db";
import { and, eq, inArray, isNull } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import type { AppEnv, CurrentUser } from "../env.ts";

const unauthenticated = (detail: string) =>
  new ProblemError("unauthenticated", { detail, headers: { "WWW-Authenticate": 'Bearer realm="studyhall"' } });
const refused = (detail: string) =>
  new ProblemError("invalid-token", { detail, headers: { "WWW-Authenticate": 'Bearer realm="studyhall", error="invalid_token"' } });

async function userFor(db: Db, principal: Extract<Principal, { source: "external" }>): Promise<User | undefined> {
  const subject = `${principal.issuer}|${principal.subject}`;
  const linked = await db.query.users.findFirst({ where: eq(users.externalSubject, subject) });
  if (linked) return linked;
  // First sign-in through the provider: link to the account with the same verified email, but only where its
  // organisation opted in. The email claim is as good as the provider's verification, which is the
  // organisation's call to trust; without it, anyone the provider lets claim an address would get that account.
  if (!principal.email || !principal.emailVerified) return undefined;
  const [claimed] = await db
    .update(users)
    .set({ externalSubject: subject })
    .where(
      and(
        eq(users.email, principal.email),
        isNull(users.externalSubject),
        isNull(users.removedAt),
        inArray(users.orgId, db.select({ id: organisations.id }).from(organisations).where(eq(organisations.linkExternalByEmail, true))),
      ),
    )
    .returning();
  return claimed;
}

/** Requires a valid bearer token for an existing user; sets `user` and `principal`. */
export const authenticate = () =>
  createMiddleware<AppEnv>(async function authenticate(c, next) {
    const header = c.req.header("Authorization");
    if (!header) throw unauthenticated("Send an access token: Authorization: Bearer <token>.");
    const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim());
    if (!match?.[1]) throw unauthenticated("The Authorization header must be 'Bearer <token>'.");
    const principal = await verifyAccessToken(c.get("config"), match[1]);
    let user: User | undefined;
    if (principal.source === "studyhall") {
      const access = await currentAccess(c.get("db"), principal);
      if (!access.live) throw refused(accessDenialDetail(access.reason));
      user = access.user;
    } else {
      user = await userFor(c.get("db"), principal);
      if (!user) {
        throw refused(
          "No studyhall account is linked to this identity. One is linked on first sign-in by its verified email only where the account's organisation allows it (an admin's setting).",
        );
      }
      if (user.removedAt) throw refused(accessDenialDetail("removed"));
    }
    const current: CurrentUser = {
      id: user.id,
      orgId: user.orgId,
      role: user.role,
      email: user.email,
      name: user.name,
      platformOperator: isPlatformOperator(c.get("config"), user.id),
      sessionId: principal.source === "studyhall" ? principal.sessionId : undefined,
    };
    c.set("principal", principal);
    c.set("user", current);
    await next();
  });

/** The authenticated user; only call behind `authenticate()`. */
export function currentUser(c: { get(key: "user"): CurrentUser | undefined }): CurrentUser {
  const user = c.get("user");
  if (!user) throw unauthenticated("Authentication required.");
  return user;
}

/** Refuses (403) callers whose role is not one of `allowed`. Existence of the route is not secret. */
export const requireRole = (...allowed: Role[]) =>
  createMiddleware<AppEnv>(async function requireRole(c, next) {
    const user = currentUser(c);
    if (!allowed.includes(user.role)) {
      throw new ProblemError("forbidden", { detail: `This needs the role ${allowed.join(" or ")}; you are ${user.role}.` });
    }
    await next();
  });

/**
 * Refuses (403) everyone but the deployment's platform operators: platform-wide switches and every tenant's
 * jobs are not an organisation role's to reach.
 */
export const requirePlatformOperator = () =>
  createMiddleware<AppEnv>(async function requirePlatformOperator(c, next) {
    if (!currentUser(c).platformOperator)
      throw new ProblemError("forbidden", { detail: "This is for the deployment's platform operators." });
    await next();
  });
