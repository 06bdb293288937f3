/**
 * The tests' platform operator: the one account whose id vitest.config.ts
 * lists in PLATFORM_OPERATOR_IDS, created here as a deployment's operator
 * would be (a row put in place by whoever runs it, never a sign-up), in its
 * own organisation, then signed in through the real login route.
 */
import { env } from "cloudflare:test";
import { hashPassword } from "@studyhall/auth";
import { type Actor, call, randomIp } from "./api.ts";

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
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare("insert or ignore into organisations (id, name, created_at) values (?, 'studyhall platform', ?)").bind(
      PLATFORM_ORG_ID,
      now,
    ),
    env.DB.prepare(
      "insert or ignore into users (id, org_id, email, name, role, password_hash, created_at, updated_at) values (?, ?, ?, 'Pat Platform', 'admin', ?, ?, ?)",
    ).bind(PLATFORM_OPERATOR_ID, PLATFORM_ORG_ID, email, await hashPassword(password), now, now),
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
