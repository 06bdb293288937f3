/**
 * The tests' platform operator: the one account whose id vitest.config.ts
 * lists in PLATFORM_OPERATOR_IDS, created here as a deployment's operator
 * would be (a row put in place by whoever runs it, never a sign-up), in its
 * own organisation, then signed in through the real login route.
 */
import { env } from "cloudflare:test";
import { hashPassword } from "@studyhall/auth";
import { organisations, together, users } from "@studyhall/db";
import { type Actor, call, randomIp } from "./api.ts";
import { testDb } from "./test-db.ts";

// Declared here rather than in the setup file: the jobs worker's tests type-check this helper without it.
declare global {
  namespace Cloudflare {
    interface Env {
      PLATFORM_OPERATOR_IDS: string;
      METRICS_TOKEN: string;
    }
  }
}

export const PLATFORM_OPERATOR_ID = env.PLATFORM_OPERATOR_IDS;
const PLATFORM_ORG_ID = "00000000-0000-4000-8000-00000000000f";
const email = "ops@studyhall.test";
const password = "platform operator password";

/** Creates the operator's account if it is missing, and signs in. */
export async function platformOperator(): Promise<Actor> {
  const now = new Date();
  // Through the data layer, so the row lands in whichever relational store the runtime uses.
  const hashed = await hashPassword(password);
  const db = testDb();
  await together(db, (q) => [
    q.insert(organisations).values({ id: PLATFORM_ORG_ID, name: "studyhall platform", createdAt: now }).onConflictDoNothing(),
    q
      .insert(users)
      .values({
        id: PLATFORM_OPERATOR_ID,
        orgId: PLATFORM_ORG_ID,
        email,
        name: "Pat Platform",
        role: "admin",
        passwordHash: hashed,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing(),
  ]);
  const ip = randomIp();
  const response = await call("/v1/auth/login", { ip, body: { email, password } });
  if (response.status !== 200) throw new Error(`platform operator sign-in failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as {
    user: { id: string; orgId: string; role: string };
    tokens: { accessToken: string; refreshToken: string };
  };
  return {
    id: body.user.id,
    email,
    password,
    orgId: body.user.orgId,
    role: body.user.role,
    token: body.tokens.accessToken,
    refreshToken: body.tokens.refreshToken,
    ip,
  };
}

/** Sends `Authorization: Bearer <METRICS_TOKEN>`, as Prometheus' `authorization` setting does. */
export const SCRAPE_TOKEN = env.METRICS_TOKEN;
