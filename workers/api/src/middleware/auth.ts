/**
 * Authentication and role checks. The bearer token says who is calling; the
 * user row (not the token) says their current organisation and role, and the
 * login behind the token must still be live, so a role change, a removed
 * member or a signed-out login takes effect at once (see `currentAccess`).
 * A lesson read takes the same decision from KV while nothing it rests on has
 * changed (see `authenticateLessonRead`).
 */

import { accessDenialDetail, accountOfIdentity, currentAccess, type Principal, verifyAccessToken } from "@studyhall/auth";
import { isPlatformOperator, ProblemError, type Role } from "@studyhall/core";
import { type Db, openDb, prefetchLessonRead, type User } from "@studyhall/db";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv, CurrentUser } from "../env.ts";
import { requestDb } from "./d1-session.ts";

const unauthenticated = (detail: string) =>
  new ProblemError("unauthenticated", { detail, headers: { "WWW-Authenticate": 'Bearer realm="studyhall"' } });
const refused = (detail: string) =>
  new ProblemError("invalid-token", { detail, headers: { "WWW-Authenticate": 'Bearer realm="studyhall", error="invalid_token"' } });

/** The verified bearer token of the request. */
async function bearerPrincipal(c: Context<AppEnv>): Promise<Principal> {
  const header = c.req.header("Authorization");
  if (!header) throw unauthenticated("Send an access token: Authorization: Bearer <token>.");
  const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim());
  if (!match?.[1]) throw unauthenticated("The Authorization header must be 'Bearer <token>'.");
  return verifyAccessToken(c.get("config"), match[1]);
}

/** The principal's account as D1 has it now, refused when it is gone, removed or its login ended. */
async function accountFor(db: Db, principal: Principal): Promise<User> {
  if (principal.source === "studyhall") {
    const access = await currentAccess(db, principal);
    if (!access.live) throw refused(accessDenialDetail(access.reason));
    return access.user;
  }
  const user = await accountOfIdentity(db, principal);
  if (!user) {
    throw refused(
      "No studyhall account is linked to this identity. One is linked on first sign-in by its verified email only where the account's organisation allows it (an admin's setting).",
    );
  }
  if (user.removedAt) throw refused(accessDenialDetail("removed"));
  return user;
}

function signIn(c: Context<AppEnv>, principal: Principal, user: CurrentUserFields): void {
  c.set("principal", principal);
  c.set("user", {
    id: user.id,
    orgId: user.orgId,
    role: user.role,
    email: user.email,
    name: user.name,
    platformOperator: isPlatformOperator(c.get("config"), user.id),
    sessionId: principal.source === "studyhall" ? principal.sessionId : undefined,
  });
}

type CurrentUserFields = Pick<CurrentUser, "id" | "orgId" | "role" | "email" | "name">;

/** Requires a valid bearer token for an existing user; sets `user` and `principal`. */
export const authenticate = () =>
  createMiddleware<AppEnv>(async function authenticate(c, next) {
    const principal = await bearerPrincipal(c);
    signIn(c, principal, await accountFor(c.get("db"), principal));
    await next();
  });

/** A lesson read's path: its course and lesson ids (as the route will validate them, at most 64 characters). */
const LESSON_READ = /^\/v1\/courses\/([^/]{1,64})\/lessons\/([^/]{1,64})$/;

/**
 * `authenticate()` for `GET /v1/courses/{id}/lessons/{lessonId}`, the hot read: one KV bulk get brings the
 * lesson, the cached decision that this login may read this course, and the generations that decision rests
 * on (`prefetchLessonRead`), and a standing decision stands in for D1's account, login and course checks.
 * Without one, D1 decides as for any request, from the primary: a replica that has not yet seen a revocation
 * must not be what a decision is cached from. The prefetch goes on to the route as `lessonPrefetch`.
 */
export const authenticateLessonRead = () =>
  createMiddleware<AppEnv>(async function authenticateLessonRead(c, next) {
    const principal = await bearerPrincipal(c);
    const ids = lessonReadIds(c.req.path);
    if (principal.source === "studyhall" && ids) {
      const prefetch = await prefetchLessonRead(c.env.LESSONS, {
        userId: principal.userId,
        orgId: principal.orgId,
        sessionId: principal.sessionId,
        ...ids,
      });
      c.set("lessonPrefetch", prefetch);
      if (prefetch.reader) {
        signIn(c, principal, prefetch.reader);
        return next();
      }
      if (prefetch.reachable) c.set("db", openDb(c.env, { accessCache: c.env.LESSONS }));
    }
    signIn(c, principal, await accountFor(requestDb(c), principal));
    await next();
  });

/** The course and lesson ids of a lesson read's path, decoded as the route decodes them; none for a malformed one. */
function lessonReadIds(path: string): { courseId: string; lessonId: string } | undefined {
  const ids = LESSON_READ.exec(path);
  if (!ids?.[1] || !ids[2]) return undefined;
  try {
    return { courseId: decodeURIComponent(ids[1]), lessonId: decodeURIComponent(ids[2]) };
  } catch {
    // Not valid percent-encoding: the ordinary checks answer it.
    return undefined;
  }
}

/** Whether a request is a lesson read, authenticated by `authenticateLessonRead()`. */
export function isLessonRead(method: string, path: string): boolean {
  return method === "GET" && LESSON_READ.test(path);
}

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
