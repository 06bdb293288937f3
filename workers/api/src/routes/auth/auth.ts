/** Sign-up, sign-in, token refresh and sign-out. Rate-limited per client IP. */
import { createRoute, z } from "@hono/zod-openapi";
import { refreshSignIn, type SignedIn, signIn, signOut, signUp } from "@studyhall/auth";
import { emailSchema, orgSchema, passwordSchema, tokenPairSchema, userSchema } from "@studyhall/core";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { json, jsonBody, newRouter, pick } from "../openapi.ts";
import { orgView, userView } from "../views.ts";

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
const sessionView = ({ user, organisation, tokens }: SignedIn) => ({ user: userView(user), organisation: orgView(organisation), tokens });

const router = newRouter();
router.use("*", rateLimit("auth"));

export const signInRoutes = router
  .openapi(
    createRoute({
      method: "post",
      path: "/register",
      tags: ["auth"],
      summary: "Create an account: a new organisation (you become its admin) or join one with an invitation code",
      request: { body: jsonBody(registerBody) },
      responses: { 201: json(session, "Account created and signed in"), ...pick(400, 409, 413, 415, 429) },
    }),
    async (c) => c.json(sessionView(await signUp(c.get("db"), c.get("config"), c.req.valid("json"))), 201),
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
      const { email, password } = c.req.valid("json");
      return c.json(sessionView(await signIn(c.get("db"), c.get("config"), email, password)), 200);
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
    async (c) => c.json(await refreshSignIn(c.get("db"), c.get("config"), c.req.valid("json").refreshToken), 200),
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
      await signOut(c.get("db"), c.req.valid("json").refreshToken);
      return c.body(null, 204);
    },
  );
