/** Sign-up, sign-in, token refresh and sign-out. Rate-limited per client IP. */
import { createRoute, z } from "@hono/zod-openapi";
import { familyOf, login, register, revokeFamily, rotateRefreshToken, signAccessToken, startSession } from "@studyhall/auth";
import { type Config, emailSchema, orgSchema, passwordSchema, type TokenPair, tokenPairSchema, userSchema } from "@studyhall/core";
import { type Db, type Organisation, organisations, type User } from "@studyhall/db";
import { eq } from "drizzle-orm";
import { rateLimit } from "../middleware/rate-limit.ts";
import { json, jsonBody, newRouter, pick } from "./openapi.ts";
import { orgView, userView } from "./views.ts";

const registerBody = z
  .object({
    email: emailSchema,
    password: passwordSchema,
    name: z.string().trim().min(1).max(120),
    organisationName: z.string().trim().min(1).max(120).optional(),
    invitationCode: z.string().trim().min(8).max(128).optional(),
  })
  .refine((b) => Boolean(b.organisationName) !== Boolean(b.invitationCode), {
    message: "give either organisationName (a new organisation) or invitationCode (join one), not both",
    path: ["organisationName"],
  })
  .openapi("RegisterRequest");

const loginBody = z.object({ email: emailSchema, password: passwordSchema }).openapi("LoginRequest");
const refreshBody = z.object({ refreshToken: z.string().min(16).max(256) }).openapi("RefreshRequest");
const session = z.object({ user: userSchema, organisation: orgSchema, tokens: tokenPairSchema }).openapi("Session");

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

async function orgOf(db: Db, user: User): Promise<Organisation> {
  return (await db.query.organisations.findFirst({ where: eq(organisations.id, user.orgId) }))!;
}

const router = newRouter();
router.use("*", rateLimit("auth"));

export const authRoutes = router
  .openapi(
    createRoute({
      method: "post",
      path: "/register",
      tags: ["auth"],
      summary: "Create an account: a new organisation (you become its admin) or join one with an invitation code",
      request: { body: jsonBody(registerBody) },
      responses: { 201: json(session, "Account created and signed in"), ...pick(400, 409, 413, 415, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const config = c.get("config");
      const { user, organisation } = await register(db, config, c.req.valid("json"));
      return c.json({ user: userView(user), organisation: orgView(organisation), tokens: await tokensFor(db, config, user) }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/login",
      tags: ["auth"],
      summary: "Sign in with email and password (a removed member is refused with account-removed)",
      request: { body: jsonBody(loginBody) },
      responses: { 200: json(session, "Signed in"), ...pick(400, 401, 403, 413, 415, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const { email, password } = c.req.valid("json");
      const user = await login(db, email, password);
      return c.json(
        { user: userView(user), organisation: orgView(await orgOf(db, user)), tokens: await tokensFor(db, c.get("config"), user) },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/refresh",
      tags: ["auth"],
      summary: "Trade a refresh token for a new access token and the next refresh token",
      request: { body: jsonBody(refreshBody) },
      responses: { 200: json(tokenPairSchema, "New tokens; the old refresh token is spent"), ...pick(400, 401, 413, 415, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const config = c.get("config");
      const { user, refresh } = await rotateRefreshToken(db, config, c.req.valid("json").refreshToken);
      const tokens = await tokensFor(db, config, user, refresh.familyId);
      return c.json({ ...tokens, refreshToken: refresh.token }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/logout",
      tags: ["auth"],
      summary: "End a login session: its refresh tokens and the access tokens issued to it stop working",
      request: { body: jsonBody(refreshBody) },
      responses: { 204: { description: "Signed out (also when the token was unknown)" }, ...pick(400, 413, 415, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const family = await familyOf(db, c.req.valid("json").refreshToken);
      if (family) await revokeFamily(db, family.familyId);
      return c.body(null, 204);
    },
  );
