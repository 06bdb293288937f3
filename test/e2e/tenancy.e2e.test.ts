/**
 * Tenant isolation against a real `wrangler dev` of every worker, real queues included: a stranger who
 * registers an organisation cannot stall anyone else's jobs, and access changes (a removed member, a
 * signed-out login, a demoted teacher) take effect at the next request.
 */
import { describe, expect, inject, it } from "vitest";
import {
  type AcceptedUpload,
  corpusPdf,
  demoTeacher,
  expectJson,
  getJson,
  pollJob,
  postJson,
  randomIp,
  signIn,
  uniquePdf,
  uploadPdf,
} from "./studyhall-client.ts";

const base = inject("baseUrl");
const demoAdmin = { email: "admin@demo.studyhall.test", password: "demo-admin-password" };
const password = "a long enough password";

interface Signed {
  user: { id: string; orgId: string; role: string };
  tokens: { accessToken: string; refreshToken: string };
}

const email = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}@example.test`;
const register = (body: Record<string, unknown>) =>
  postJson<Signed>(
    base,
    "/v1/auth/register",
    { password, name: "E2E", ...body },
    { status: 201, headers: { "CF-Connecting-IP": randomIp() } },
  );
const authed = (token: string, method = "GET") => ({ method, headers: { Authorization: `Bearer ${token}` } });

/** A new member of the demo school with `role`, invited by its admin. */
async function demoMember(role: "teacher" | "student"): Promise<Signed> {
  const admin = await signIn(base, demoAdmin);
  const { code } = await postJson<{ code: string }>(base, "/v1/orgs/invitations", { role }, { token: admin, status: 201 });
  return register({ email: email(role), invitationCode: code });
}

describe("tenancy on the local platform", () => {
  it("a stranger's lane pause holds only the stranger's jobs: the demo school's upload is parsed meanwhile", async () => {
    const stranger = await register({ email: email("stranger"), organisationName: "Stranger Things Ltd" });
    const token = stranger.tokens.accessToken;
    const paused = await postJson<{ paused: boolean; pausedBy: string }>(base, "/v1/admin/lanes/normal/pause", {}, { token });
    expect(paused).toMatchObject({ paused: true, pausedBy: "organisation" });
    try {
      const pdf = await corpusPdf("tracemonkey.pdf");
      const own = await expectJson<AcceptedUpload>(
        await uploadPdf(base, token, uniquePdf(pdf, `stranger-${Date.now()}`), "?generate=false"),
        202,
      );
      const teacher = await signIn(base, demoTeacher);
      const theirs = await expectJson<AcceptedUpload>(
        await uploadPdf(base, teacher, uniquePdf(pdf, `school-${Date.now()}`), "?generate=false"),
        202,
      );
      const { job } = await pollJob(base, teacher, theirs.job.id, { timeoutMs: 90_000 });
      expect(job.status).toBe("completed");
      // Meanwhile the stranger's own job has waited, without spending an attempt.
      const held = await getJson<{ status: string; attempts: number }>(base, `/v1/jobs/${own.job.id}`, token);
      expect(held).toMatchObject({ status: "queued", attempts: 0 });
      await postJson(base, "/v1/admin/lanes/normal/resume", {}, { token });
      expect((await pollJob(base, token, own.job.id, { timeoutMs: 90_000 })).job.status).toBe("completed");
    } finally {
      await fetch(`${base}/v1/admin/lanes/normal/resume`, authed(token, "POST"));
    }
    // And the platform's switches are not the stranger's to touch.
    expect((await fetch(`${base}/v1/platform/lanes/normal/pause`, authed(token, "POST"))).status).toBe(403);
  });

  it("a removed member and a signed-out login are refused at their next request", async () => {
    const member = await demoMember("teacher");
    expect((await fetch(`${base}/v1/me`, authed(member.tokens.accessToken))).status).toBe(200);
    const admin = await signIn(base, demoAdmin);
    expect((await fetch(`${base}/v1/orgs/members/${member.user.id}`, authed(admin, "DELETE"))).status).toBe(204);
    const refused = await fetch(`${base}/v1/me`, authed(member.tokens.accessToken));
    expect(refused.status).toBe(401);
    expect(refused.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
    const refresh = await fetch(`${base}/v1/auth/refresh`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": randomIp() },
      body: JSON.stringify({ refreshToken: member.tokens.refreshToken }),
    });
    expect(refresh.status).toBe(401);

    const student = await demoMember("student");
    expect((await fetch(`${base}/v1/me`, authed(student.tokens.accessToken))).status).toBe(200);
    const logout = await fetch(`${base}/v1/auth/logout`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": randomIp() },
      body: JSON.stringify({ refreshToken: student.tokens.refreshToken }),
    });
    expect(logout.status).toBe(204);
    expect((await fetch(`${base}/v1/me`, authed(student.tokens.accessToken))).status).toBe(401);
  });

  it("a teacher demoted to student loses the answer key and the edits of the course they own", async () => {
    const teacher = await demoMember("teacher");
    const token = teacher.tokens.accessToken;
    const course = await postJson<{ id: string }>(base, "/v1/courses", { title: "Owned, then not" }, { token, status: 201 });
    expect((await fetch(`${base}/v1/courses/${course.id}/answer-key`, authed(token))).status).toBe(200);
    const published = await fetch(`${base}/v1/courses/${course.id}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ status: "PUBLISHED" }),
    });
    expect(published.status).toBe(200);

    const admin = await signIn(base, demoAdmin);
    const demoted = await fetch(`${base}/v1/orgs/members/${teacher.user.id}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" },
      body: JSON.stringify({ role: "student" }),
    });
    expect(demoted.status).toBe(200);
    // The same access token, the next request: ownership alone no longer opens anything.
    expect((await fetch(`${base}/v1/courses/${course.id}/answer-key`, authed(token))).status).toBe(403);
    const edit = await fetch(`${base}/v1/courses/${course.id}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ title: "Mine again?" }),
    });
    expect(edit.status).toBe(403);
    expect((await fetch(`${base}/v1/courses/${course.id}`, authed(token, "DELETE"))).status).toBe(403);
  });
});
