/**
 * Ending a login ends its access tokens too, at the next request: signing out,
 * and a replayed refresh token (a stolen one), both revoke the login, and the
 * access tokens issued to it stop working long before they would lapse.
 * Other logins of the same person carry on.
 */
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, newOrg } from "../helpers/api.ts";

const me = (token: string) => call("/v1/me", { token });

async function secondLogin(actor: { email: string; password: string; ip: string }) {
  const response = await call("/v1/auth/login", { ip: actor.ip, body: { email: actor.email, password: actor.password } });
  expect(response.status).toBe(200);
  return (await json(response)).tokens as { accessToken: string; refreshToken: string };
}

describe("signing out", () => {
  it("the access token of the login that signed out is refused at once; another login keeps working", async () => {
    const admin = await newOrg("logout");
    const laptop = await secondLogin(admin);
    expect((await me(admin.token)).status).toBe(200);

    expect((await call("/v1/auth/logout", { ip: admin.ip, body: { refreshToken: admin.refreshToken } })).status).toBe(204);

    const problem = await expectProblem(await me(admin.token), 401, "invalid-token");
    expect(problem.detail).toMatch(/login has ended/);
    await expectProblem(await call("/v1/courses", { token: admin.token, body: { title: "After signing out" } }), 401, "invalid-token");
    expect((await me(laptop.accessToken)).status).toBe(200);
  });

  it("a normal refresh keeps the login, so the previous access token still works until it lapses", async () => {
    const admin = await newOrg("rotate");
    const refreshed = await call("/v1/auth/refresh", { ip: admin.ip, body: { refreshToken: admin.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect((await me(admin.token)).status).toBe(200);
    expect((await me((await json(refreshed)).accessToken)).status).toBe(200);
  });
});

describe("a replayed refresh token", () => {
  it("revokes every access token of that login, the thief's and the owner's, and no other login", async () => {
    const admin = await newOrg("replay");
    const phone = await secondLogin(admin);
    // The owner refreshes; a thief who copied the first refresh token gets new tokens from it... once.
    const owner = await json(await call("/v1/auth/refresh", { ip: admin.ip, body: { refreshToken: admin.refreshToken } }));
    await expectProblem(
      await call("/v1/auth/refresh", { ip: admin.ip, body: { refreshToken: admin.refreshToken } }),
      401,
      "refresh-token-reused",
    );

    for (const token of [admin.token, owner.accessToken]) await expectProblem(await me(token), 401, "invalid-token");
    await expectProblem(await call("/v1/auth/refresh", { ip: admin.ip, body: { refreshToken: owner.refreshToken } }), 401, "invalid-token");
    expect((await me(phone.accessToken)).status).toBe(200);
  });

  it("a race of two refreshes with one token counts as a replay and ends the login's access tokens", async () => {
    const admin = await newOrg("race");
    const results = await Promise.all(
      [1, 2].map(() => call("/v1/auth/refresh", { ip: admin.ip, body: { refreshToken: admin.refreshToken } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    const winner = await json(results.find((r) => r.status === 200)!);
    await expectProblem(await me(winner.accessToken), 401, "invalid-token");
    await expectProblem(await me(admin.token), 401, "invalid-token");
  });
});
