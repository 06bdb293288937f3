/** Against a real `wrangler dev` of every worker, as a client would use it. */
import { describe, expect, inject, it } from "vitest";

const base = inject("baseUrl");

// Every e2e file signs in from this machine: a client address per call keeps them apart under the per-IP sign-in limit.
const clientIp = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

async function post(path: string, body: unknown, token?: string) {
  return fetch(`${base}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": clientIp(), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

describe("the local platform", () => {
  it("is healthy and ready", async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
  });

  it("signs in every printed demo account", async () => {
    const accounts = [
      ["admin@demo.studyhall.test", "demo-admin-password", "admin"],
      ["teacher@demo.studyhall.test", "demo-teacher-password", "teacher"],
      ["student1@demo.studyhall.test", "demo-student-password", "student"],
      ["student2@demo.studyhall.test", "demo-student-password", "student"],
    ];
    for (const [email, password, role] of accounts) {
      const response = await post("/v1/auth/login", { email, password });
      expect(response.status).toBe(200);
      const session = await response.json();
      expect(session.user.role).toBe(role);
      expect(session.organisation.name).toBe("Demo School");
      const me = await fetch(`${base}/v1/me`, { headers: { Authorization: `Bearer ${session.tokens.accessToken}` } });
      expect(me.status).toBe(200);
      expect(me.headers.get("RateLimit-Policy")).toBe('"api";q=120;w=60');
    }
  });

  it("publishes keys that verify the tokens it issues, and rotates refresh tokens", async () => {
    const session = await (
      await post("/v1/auth/login", { email: "teacher@demo.studyhall.test", password: "demo-teacher-password" })
    ).json();
    const jwks = await (await fetch(`${base}/.well-known/jwks.json`)).json();
    const kid = JSON.parse(Buffer.from(session.tokens.accessToken.split(".")[0], "base64url").toString()).kid;
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toContain(kid);
    const refreshed = await post("/v1/auth/refresh", { refreshToken: session.tokens.refreshToken });
    expect(refreshed.status).toBe(200);
    const replay = await post("/v1/auth/refresh", { refreshToken: session.tokens.refreshToken });
    expect(replay.status).toBe(401);
    expect(replay.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
  });

  it("a student of the demo school cannot see a teacher's draft; a teacher of another organisation cannot either", async () => {
    const teacher = await (
      await post("/v1/auth/login", { email: "teacher@demo.studyhall.test", password: "demo-teacher-password" })
    ).json();
    const student = await (
      await post("/v1/auth/login", { email: "student1@demo.studyhall.test", password: "demo-student-password" })
    ).json();
    const draft = await (await post("/v1/courses", { title: "E2E draft" }, teacher.tokens.accessToken)).json();
    const outsider = await (
      await post("/v1/auth/register", {
        email: `e2e-${Date.now()}@example.test`,
        password: "a long enough password",
        name: "Out",
        organisationName: "Elsewhere",
      })
    ).json();
    for (const token of [student.tokens.accessToken, outsider.tokens.accessToken]) {
      const response = await fetch(`${base}/v1/courses/${draft.id}`, { headers: { Authorization: `Bearer ${token}` } });
      expect(response.status).toBe(404);
      const problem = await response.json();
      expect(problem.requestId).toBe(response.headers.get("X-Request-Id"));
    }
  });
});
