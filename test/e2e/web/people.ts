/**
 * Accounts for the browser tests. The demo admin invites a fresh teacher,
 * student or operator into the demo organisation for each test file, so a
 * file starts from a clean slate (no enrolments, no earlier uploads, its own
 * upload limit) whatever the other e2e files did before it. The seeded
 * platform operator acts on the platform's lane switches.
 */
import { randomUUID } from "node:crypto";
import { expectJson, signIn } from "../studyhall-client.ts";

export const demoAdmin = { email: "admin@demo.studyhall.test", password: "demo-admin-password" };
/** The platform operator `npm run dev` seeds (scripts/local-env.mjs) and lists in PLATFORM_OPERATOR_IDS. */
export const platformOperator = { email: "ops@studyhall.test", password: "demo-platform-password" };

export interface Person {
  id: string;
  name: string;
  email: string;
  password: string;
  token: string;
}

/** POST JSON, waiting out a 429 as the server says (sign-up and sign-in are limited per address). */
async function post(base: string, path: string, body: unknown, token?: string): Promise<Response> {
  for (;;) {
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      "CF-Connecting-IP": `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
    };
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(`${base}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    if (response.status !== 429) return response;
    await response.arrayBuffer();
    await new Promise((r) => setTimeout(r, 1000 * Number(response.headers.get("Retry-After") ?? 1)));
  }
}

export async function adminToken(base: string): Promise<string> {
  return signIn(base, demoAdmin);
}

/** A new member of the demo organisation with `role`, signed in. */
export async function newPerson(base: string, admin: string, role: "teacher" | "student" | "operator", name: string): Promise<Person> {
  const invitation = await expectJson<{ code: string }>(await post(base, "/v1/orgs/invitations", { role }, admin), 201);
  const email = `${role}-${randomUUID().slice(0, 8)}@web.studyhall.test`;
  const password = `web-${randomUUID()}`;
  const session = await expectJson<{ user: { id: string }; tokens: { accessToken: string } }>(
    await post(base, "/v1/auth/register", { email, password, name, invitationCode: invitation.code }),
    201,
  );
  return { id: session.user.id, name, email, password, token: session.tokens.accessToken };
}
