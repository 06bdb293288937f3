import { describe, expect, it } from "vitest";
import { call, expectProblem, json, newMember, newOrg, randomIp } from "../../../../../test/helpers/api.ts";

describe("register and sign in", () => {
  it("creates an organisation whose first user is its admin", async () => {
    const admin = await newOrg();
    expect(admin.role).toBe("admin");
    const me = await json(await call("/v1/me", { token: admin.token }));
    expect(me.user.email).toBe(admin.email);
    expect(me.organisation.id).toBe(admin.orgId);
    expect(me.organisation.name).toBe("Org of admin");
  });

  it("joins an organisation with an invitation code, with the role it grants, once", async () => {
    const admin = await newOrg();
    const invite = await json(await call("/v1/orgs/invitations", { token: admin.token, body: { role: "teacher" } }));
    expect(invite.code).toBeTypeOf("string");
    const register = (email: string) =>
      call("/v1/auth/register", {
        ip: randomIp(),
        body: { email, password: "a long enough password", name: "T", invitationCode: invite.code },
      });
    const joined = await register(`t-${crypto.randomUUID()}@example.test`);
    expect(joined.status).toBe(201);
    const body = await json(joined);
    expect(body.user.role).toBe("teacher");
    expect(body.user.orgId).toBe(admin.orgId);
    await expectProblem(await register(`u-${crypto.randomUUID()}@example.test`), 409, "invitation-invalid");
  });

  it("refuses a short password and names the field", async () => {
    const problem = await expectProblem(
      await call("/v1/auth/register", {
        ip: randomIp(),
        body: { email: "short@example.test", password: "short", name: "S", organisationName: "O" },
      }),
      400,
      "validation-failed",
    );
    expect(problem.invalidParams).toEqual([expect.objectContaining({ name: "password" })]);
  });

  it("refuses a second account with the same email", async () => {
    const admin = await newOrg();
    await expectProblem(
      await call("/v1/auth/register", {
        ip: randomIp(),
        body: { email: admin.email, password: "a long enough password", name: "X", organisationName: "O" },
      }),
      409,
      "conflict",
    );
  });

  it("signs in with the right password and answers an unknown email exactly like a wrong password", async () => {
    const admin = await newOrg();
    const ok = await call("/v1/auth/login", { ip: admin.ip, body: { email: admin.email, password: admin.password } });
    expect(ok.status).toBe(200);
    expect((await json(ok)).tokens.tokenType).toBe("Bearer");
    const wrong = await expectProblem(
      await call("/v1/auth/login", { ip: admin.ip, body: { email: admin.email, password: "not the password" } }),
      401,
    );
    const unknown = await expectProblem(
      await call("/v1/auth/login", { ip: admin.ip, body: { email: "nobody@example.test", password: "not the password" } }),
      401,
    );
    const strip = ({ requestId, instance, ...rest }: Record<string, unknown>) => rest;
    expect(strip(unknown)).toEqual(strip(wrong));
  });

  it("emails are case-insensitive", async () => {
    const admin = await newOrg();
    const ok = await call("/v1/auth/login", { ip: admin.ip, body: { email: admin.email.toUpperCase(), password: admin.password } });
    expect(ok.status).toBe(200);
  });
});

describe("refresh tokens", () => {
  it("rotates: each refresh token works once and yields a working access token", async () => {
    const admin = await newOrg();
    const first = await call("/v1/auth/refresh", { ip: admin.ip, body: { refreshToken: admin.refreshToken } });
    expect(first.status).toBe(200);
    const tokens = await json(first);
    expect(tokens.refreshToken).not.toBe(admin.refreshToken);
    expect((await call("/v1/me", { token: tokens.accessToken })).status).toBe(200);
    const second = await call("/v1/auth/refresh", { ip: admin.ip, body: { refreshToken: tokens.refreshToken } });
    expect(second.status).toBe(200);
  });

  it("replaying a rotated token revokes the whole family", async () => {
    const admin = await newOrg();
    const rotated = await json(await call("/v1/auth/refresh", { ip: admin.ip, body: { refreshToken: admin.refreshToken } }));
    // The thief replays the old token...
    await expectProblem(
      await call("/v1/auth/refresh", { ip: admin.ip, body: { refreshToken: admin.refreshToken } }),
      401,
      "refresh-token-reused",
    );
    // ...and the legitimate holder's newer token is dead too.
    await expectProblem(
      await call("/v1/auth/refresh", { ip: admin.ip, body: { refreshToken: rotated.refreshToken } }),
      401,
      "invalid-token",
    );
    // Another login session is untouched.
    const other = await json(await call("/v1/auth/login", { ip: admin.ip, body: { email: admin.email, password: admin.password } }));
    expect((await call("/v1/auth/refresh", { ip: admin.ip, body: { refreshToken: other.tokens.refreshToken } })).status).toBe(200);
  });

  it("two concurrent refreshes with one token: exactly one wins", async () => {
    const admin = await newOrg();
    const results = await Promise.all(
      [1, 2].map(() => call("/v1/auth/refresh", { ip: admin.ip, body: { refreshToken: admin.refreshToken } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it("logout ends the session's refresh tokens", async () => {
    const admin = await newOrg();
    const out = await call("/v1/auth/logout", { ip: admin.ip, body: { refreshToken: admin.refreshToken } });
    expect(out.status).toBe(204);
    await expectProblem(await call("/v1/auth/refresh", { ip: admin.ip, body: { refreshToken: admin.refreshToken } }), 401, "invalid-token");
  });

  it("an unknown refresh token is refused", async () => {
    await expectProblem(await call("/v1/auth/refresh", { ip: randomIp(), body: { refreshToken: "x".repeat(43) } }), 401, "invalid-token");
  });
});

describe("invitations", () => {
  it("a teacher may invite students but not teachers or admins", async () => {
    const admin = await newOrg();
    const teacher = await newMember(admin, "teacher");
    expect((await call("/v1/orgs/invitations", { token: teacher.token, body: { role: "student" } })).status).toBe(201);
    await expectProblem(await call("/v1/orgs/invitations", { token: teacher.token, body: { role: "admin" } }), 403, "forbidden");
  });

  it("a student may not invite anyone", async () => {
    const admin = await newOrg();
    const student = await newMember(admin, "student");
    await expectProblem(await call("/v1/orgs/invitations", { token: student.token, body: { role: "student" } }), 403, "forbidden");
  });

  it("an invitation bound to an email only admits that email; a revoked one admits nobody", async () => {
    const admin = await newOrg();
    const bound = await json(
      await call("/v1/orgs/invitations", { token: admin.token, body: { role: "student", email: "only@example.test" } }),
    );
    await expectProblem(
      await call("/v1/auth/register", {
        ip: randomIp(),
        body: { email: "other@example.test", password: "a long enough password", name: "O", invitationCode: bound.code },
      }),
      409,
      "invitation-invalid",
    );
    const list = await json(await call("/v1/orgs/invitations", { token: admin.token }));
    expect(list.items.map((i: { id: string }) => i.id)).toContain(bound.id);
    expect(JSON.stringify(list)).not.toContain(bound.code);
    expect((await call(`/v1/orgs/invitations/${bound.id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
    await expectProblem(
      await call("/v1/auth/register", {
        ip: randomIp(),
        body: { email: "only@example.test", password: "a long enough password", name: "O", invitationCode: bound.code },
      }),
      409,
      "invitation-invalid",
    );
  });
});
