/** Access-token verification refuses every token an attacker could craft (RFC 8725). */
import { env } from "cloudflare:test";
import { verifyAccessToken } from "@studyhall/auth";
import { loadConfig } from "@studyhall/core";
import { users } from "@studyhall/db";
import { eq } from "drizzle-orm";
import { base64url, decodeJwt, importJWK, type JWK, SignJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Actor, call, expectProblem, json, newMember, newOrg } from "../helpers/api.ts";
import { testDb } from "../helpers/test-db.ts";

const signingJwk = () => (JSON.parse(env.JWT_SIGNING_KEYS) as JWK[])[0]!;

async function forge(
  claims: Record<string, unknown>,
  options: { jwk?: JWK; header?: Record<string, unknown>; iat?: number; exp?: number; nbf?: number } = {},
) {
  const jwk = options.jwk ?? signingJwk();
  const now = Math.floor(Date.now() / 1000);
  const key = await importJWK(jwk, "ES256");
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256", kid: jwk.kid, typ: "at+jwt", ...options.header })
    .setIssuedAt(options.iat ?? now)
    .setNotBefore(options.nbf ?? now)
    .setExpirationTime(options.exp ?? now + 300)
    .sign(key);
}

/** Claims as we would issue them, for the admin's real login (a token must belong to a live login). */
async function claimsFor() {
  const admin = await newOrg();
  const sid = decodeJwt(admin.token).sid;
  return { admin, claims: { sub: admin.id, org: admin.orgId, role: "admin", sid, iss: "studyhall", aud: "studyhall-api" } };
}

const me = (token: string) => call("/v1/me", { token });

describe("access tokens", () => {
  it("a correctly forged-by-us token is accepted (the control for every refusal below)", async () => {
    const { claims } = await claimsFor();
    expect((await me(await forge(claims))).status).toBe(200);
  });

  it("a token signed with a retired key still listed in JWT_VERIFY_KEYS is accepted; its public key is published", async () => {
    const { claims } = await claimsFor();
    const retired = JSON.parse(env.TEST_RETIRED_KEY) as JWK;
    expect((await me(await forge(claims, { jwk: retired }))).status).toBe(200);
    const jwks = await json(await call("/.well-known/jwks.json"));
    expect(jwks.keys.map((k: JWK) => k.kid).sort()).toEqual(["test-current", "test-retired"]);
    for (const key of jwks.keys) expect(key.d).toBeUndefined();
  });

  it("refuses a tampered token", async () => {
    const { admin } = await claimsFor();
    const [h, p, s] = admin.token.split(".");
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p!)));
    payload.role = "admin";
    payload.org = crypto.randomUUID();
    const tampered = `${h}.${base64url.encode(JSON.stringify(payload))}.${s}`;
    await expectProblem(await me(tampered), 401, "invalid-token");
  });

  it("refuses an expired token, beyond the clock tolerance", async () => {
    const { claims } = await claimsFor();
    const now = Math.floor(Date.now() / 1000);
    const problem = await expectProblem(
      await me(await forge(claims, { iat: now - 3600, nbf: now - 3600, exp: now - 120 })),
      401,
      "invalid-token",
    );
    expect(problem.detail).toMatch(/expired/);
  });

  it("accepts a token a few seconds past expiry (clock tolerance) but not one not yet valid", async () => {
    const { claims } = await claimsFor();
    const now = Math.floor(Date.now() / 1000);
    expect((await me(await forge(claims, { iat: now - 600, nbf: now - 600, exp: now - 5 }))).status).toBe(200);
    const problem = await expectProblem(await me(await forge(claims, { nbf: now + 600 })), 401, "invalid-token");
    expect(problem.detail).toMatch(/not valid yet/);
  });

  it("refuses a wrong audience and a wrong issuer", async () => {
    const { claims } = await claimsFor();
    await expectProblem(await me(await forge({ ...claims, aud: "someone-else" })), 401, "invalid-token");
    await expectProblem(await me(await forge({ ...claims, iss: "https://evil.example" })), 401, "invalid-token");
  });

  it("refuses alg: none", async () => {
    const { claims } = await claimsFor();
    const now = Math.floor(Date.now() / 1000);
    const header = base64url.encode(JSON.stringify({ alg: "none", typ: "at+jwt", kid: "test-current" }));
    const body = base64url.encode(JSON.stringify({ ...claims, iat: now, nbf: now, exp: now + 300 }));
    await expectProblem(await me(`${header}.${body}.`), 401, "invalid-token");
  });

  it("refuses HS256 signed with the published public key as the HMAC secret", async () => {
    const { claims } = await claimsFor();
    const jwks = await json(await call("/.well-known/jwks.json"));
    const publicKeyText = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", kid: "test-current", typ: "at+jwt" })
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 300)
      .sign(publicKeyText);
    const problem = await expectProblem(await me(token), 401, "invalid-token");
    expect(problem.detail).toMatch(/algorithm/);
  });

  it("refuses a token signed by a key we do not know, even with a known kid", async () => {
    const { claims } = await claimsFor();
    const idpKey = JSON.parse(env.TEST_IDP_KEY) as JWK;
    await expectProblem(await me(await forge(claims, { jwk: { ...idpKey, kid: "test-current" } })), 401, "invalid-token");
  });

  it("refuses a token for a user of another organisation than the one it names", async () => {
    const { claims } = await claimsFor();
    const other = await newOrg();
    await expectProblem(await me(await forge({ ...claims, org: other.orgId })), 401, "invalid-token");
  });

  it("refuses a missing or malformed Authorization header with 401 and WWW-Authenticate", async () => {
    const none = await call("/v1/me");
    await expectProblem(none.clone(), 401, "unauthenticated");
    expect(none.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    await expectProblem(await call("/v1/me", { headers: { Authorization: "Basic abc" } }), 401, "unauthenticated");
  });
});

describe("tokens verified before, kept in the isolate", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("a token's signature is checked once: its next request is decided without it", async () => {
    const { claims } = await claimsFor();
    const token = await forge(claims);
    const checks = vi.spyOn(crypto.subtle, "verify");
    const first = await verifyAccessToken(loadConfig(env), token);
    const second = await verifyAccessToken(loadConfig(env), token);
    expect(second).toEqual(first);
    expect(first).toMatchObject({ source: "studyhall", userId: claims.sub, orgId: claims.org, sessionId: claims.sid });
    expect(checks).toHaveBeenCalledTimes(1);
  });

  it("a token that was accepted is refused once it expires, to the clock tolerance", async () => {
    const { claims } = await claimsFor();
    const config = loadConfig(env);
    const now = Math.floor(Date.now() / 1000);
    const token = await forge(claims, { exp: now + 60 });
    await verifyAccessToken(config, token);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime((now + 60 + config.JWT_CLOCK_TOLERANCE - 2) * 1000);
    expect((await verifyAccessToken(config, token)).source).toBe("studyhall");
    vi.setSystemTime((now + 60 + config.JWT_CLOCK_TOLERANCE + 2) * 1000);
    await expect(verifyAccessToken(config, token)).rejects.toThrow(/expired/);
  });

  it("a key taken out of the configuration stops the tokens it signed at once, though they were accepted before", async () => {
    const { claims } = await claimsFor();
    const config = loadConfig(env);
    const token = await forge(claims, { jwk: JSON.parse(env.TEST_RETIRED_KEY) as JWK });
    expect((await verifyAccessToken(config, token)).source).toBe("studyhall");
    await expect(verifyAccessToken({ ...config, JWT_VERIFY_KEYS: "[]" }, token)).rejects.toThrow(/key id is unknown/);
    // A token the attacker altered is another string: it is checked in full, never taken for the one accepted.
    const [h, p, sig] = token.split(".");
    const altered = JSON.parse(new TextDecoder().decode(base64url.decode(p!)));
    altered.sub = crypto.randomUUID();
    await expect(verifyAccessToken(config, `${h}.${base64url.encode(JSON.stringify(altered))}.${sig}`)).rejects.toThrow(/signature/);
  });
});

describe("external identity provider", () => {
  async function idpToken(claims: Record<string, unknown>, audience = env.OIDC_AUDIENCE, header: Record<string, unknown> = {}) {
    const jwk = JSON.parse(env.TEST_IDP_KEY) as JWK;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", kid: jwk.kid, ...header })
      .setIssuer(env.OIDC_ISSUER)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(await importJWK(jwk, "ES256"));
  }

  const allowLinking = async (admin: Actor, linkExternalByEmail = true) =>
    expect((await call("/v1/orgs/settings", { method: "PATCH", token: admin.token, body: { linkExternalByEmail } })).status).toBe(200);

  it("maps a trusted provider's subject to the user with the same verified email, then by subject", async () => {
    const admin = await newOrg();
    await allowLinking(admin);
    const subject = `idp-${crypto.randomUUID()}`;
    const first = await me(await idpToken({ sub: subject, email: admin.email, email_verified: true }));
    expect(first.status).toBe(200);
    expect((await json(first)).user.id).toBe(admin.id);
    // Linked now: the subject alone is enough.
    const second = await me(await idpToken({ sub: subject }));
    expect((await json(second)).user.id).toBe(admin.id);
  });

  it("refuses an unverified email, an unknown subject, and a wrong audience", async () => {
    const admin = await newOrg();
    await allowLinking(admin);
    await expectProblem(
      await me(await idpToken({ sub: `idp-${crypto.randomUUID()}`, email: admin.email, email_verified: false })),
      401,
      "invalid-token",
    );
    await expectProblem(await me(await idpToken({ sub: `idp-${crypto.randomUUID()}` })), 401, "invalid-token");
    // A token the provider issued for another application, for an account that is linked.
    const subject = `idp-${crypto.randomUUID()}`;
    expect((await me(await idpToken({ sub: subject, email: admin.email, email_verified: true }))).status).toBe(200);
    const problem = await expectProblem(await me(await idpToken({ sub: subject }, "another-app")), 401, "invalid-token");
    expect(problem.detail).toMatch(/aud/);
  });

  it("without the organisation's opt-in, a provider token carrying the victim's verified email does not get into the victim's account", async () => {
    const victim = await newOrg("victim");
    // Someone else's organisation trusts the provider's emails; the victim's does not, and that is what counts.
    await allowLinking(await newOrg("trusting"));
    const attacker = await me(await idpToken({ sub: `attacker-${crypto.randomUUID()}`, email: victim.email, email_verified: true }));
    const problem = await expectProblem(attacker, 401, "invalid-token");
    expect(problem.detail).toMatch(/organisation allows it/);
    const [row] = await testDb().select({ externalSubject: users.externalSubject }).from(users).where(eq(users.id, victim.id));
    expect(row).toEqual({ externalSubject: null });
    // Still the victim's own password account.
    expect((await me(victim.token)).status).toBe(200);
  });

  it("only an admin changes the setting; turning it off cuts off identities linked so far at once", async () => {
    const admin = await newOrg();
    const teacher = await newMember(admin, "teacher");
    await expectProblem(
      await call("/v1/orgs/settings", { method: "PATCH", token: teacher.token, body: { linkExternalByEmail: true } }),
      403,
      "forbidden",
    );
    await expectProblem(await call("/v1/orgs/settings", { token: teacher.token }), 403, "forbidden");
    expect(await json(await call("/v1/orgs/settings", { token: admin.token }))).toEqual({ linkExternalByEmail: false });

    await allowLinking(admin);
    expect(await json(await call("/v1/orgs/settings", { token: admin.token }))).toEqual({ linkExternalByEmail: true });
    const subject = `idp-${crypto.randomUUID()}`;
    expect((await me(await idpToken({ sub: subject, email: teacher.email, email_verified: true }))).status).toBe(200);
    expect((await me(await idpToken({ sub: subject }))).status).toBe(200);

    await allowLinking(admin, false);
    await expectProblem(await me(await idpToken({ sub: subject })), 401, "invalid-token");
    await expectProblem(await me(await idpToken({ sub: subject, email: teacher.email, email_verified: true })), 401, "invalid-token");
    await expectProblem(
      await call("/v1/orgs/settings", { method: "PATCH", token: admin.token, body: { linkExternalByEmail: "yes" } }),
      400,
      "validation-failed",
    );
  });

  it("refuses an ID token replayed as an access token, however it is marked", async () => {
    const admin = await newOrg();
    await allowLinking(admin);
    const claims = { sub: `idp-${crypto.randomUUID()}`, email: admin.email, email_verified: true };
    for (const extra of [{ nonce: "n-0S6_WzA2Mj" }, { at_hash: "77QmUPtjPfzWtF2AnpK9RQ" }, { typ: "ID" }]) {
      const problem = await expectProblem(await me(await idpToken({ ...claims, ...extra })), 401, "invalid-token");
      expect(problem.detail).toMatch(/ID token/);
    }
    const problem = await expectProblem(await me(await idpToken(claims, env.OIDC_AUDIENCE, { typ: "id_token+jwt" })), 401, "invalid-token");
    expect(problem.detail).toMatch(/id_token\+jwt/);
    // None of those linked the account; a real access token (either common typ) does.
    expect((await me(await idpToken(claims, env.OIDC_AUDIENCE, { typ: "at+jwt" }))).status).toBe(200);
    expect((await me(await idpToken({ sub: claims.sub }, env.OIDC_AUDIENCE, { typ: "JWT" }))).status).toBe(200);
  });

  it("refuses a token issued to a client outside OIDC_CLIENT_IDS; accepts listed clients and tokens without azp", async () => {
    const admin = await newOrg();
    await allowLinking(admin);
    const subject = `idp-${crypto.randomUUID()}`;
    const foreign = await me(await idpToken({ sub: subject, email: admin.email, email_verified: true, azp: "someone-elses-app" }));
    expect((await expectProblem(foreign, 401, "invalid-token")).detail).toMatch(/client/);
    expect((await me(await idpToken({ sub: subject, email: admin.email, email_verified: true, azp: "studyhall-web" }))).status).toBe(200);
    expect((await me(await idpToken({ sub: subject, azp: "studyhall-cli" }))).status).toBe(200);
    expect((await me(await idpToken({ sub: subject }))).status).toBe(200);
  });
});
