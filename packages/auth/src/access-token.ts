/**
 * Short-lived access tokens (JWT, ES256, `typ: at+jwt`). Verification follows
 * RFC 8725: the algorithm is pinned, `iss`, `aud`, `exp` and `nbf` are always
 * checked with a small clock tolerance, and the key is chosen by `kid` only
 * among our own keys. An external provider's token must be an access token
 * (RFC 9068), not an ID token, issued to a client we accept (`azp`).
 */

import { type Config, ProblemError, type Role, roleSchema } from "@studyhall/core";
import { createRemoteJWKSet, decodeJwt, errors, type JWTPayload, jwtVerify, SignJWT } from "jose";
import { ACCESS_TOKEN_ALG, type KeyRing, keyRing } from "./signing-keys.ts";

export interface AccessClaims {
  userId: string;
  orgId: string;
  role: Role;
  /** The refresh-token family (the login session) the token came from. */
  sessionId: string;
}

/** Who a verified bearer token speaks for. */
export type Principal =
  | ({ source: "studyhall" } & AccessClaims)
  | { source: "external"; issuer: string; subject: string; email?: string; emailVerified: boolean };

/** Signs an access token for a user. */
export async function signAccessToken(config: Config, claims: AccessClaims, now = Date.now()): Promise<string> {
  const ring = await keyRing(config);
  if (!ring.signing) {
    throw new ProblemError("service-unavailable", { detail: "No signing key is configured (JWT_SIGNING_KEYS)." });
  }
  const iat = Math.floor(now / 1000);
  return new SignJWT({ org: claims.orgId, role: claims.role, sid: claims.sessionId })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: ring.signing.kid, typ: "at+jwt" })
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setSubject(claims.userId)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + config.ACCESS_TOKEN_TTL)
    .setJti(crypto.randomUUID())
    .sign(ring.signing.key);
}

function invalid(detail: string, cause?: unknown): ProblemError {
  return new ProblemError("invalid-token", {
    detail,
    cause,
    headers: { "WWW-Authenticate": `Bearer error="invalid_token", error_description="${detail.replaceAll('"', "'")}"` },
  });
}

function explain(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof errors.JWTExpired) return invalid("The token has expired.", error);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "nbf") return invalid("The token is not valid yet.", error);
    return invalid(`The token's "${error.claim}" claim is not accepted.`, error);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return invalid("The token's algorithm is not accepted.", error);
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalid("The token's signature is not valid.", error);
  return invalid("The token could not be verified.", error);
}

let remote: { url: string; jwks: ReturnType<typeof createRemoteJWKSet> } | undefined;
const EXTERNAL_ALGS = ["RS256", "ES256", "EdDSA", "PS256"];
/** `typ` values of an access token: RFC 9068's, and the plain one providers that predate it send. */
const ACCESS_TOKEN_TYPES = new Set(["at+jwt", "application/at+jwt", "jwt"]);

/**
 * What makes a verified provider token unusable here although its signature, issuer and audience are fine.
 * An ID token says who signed in to some client, not that the client may call us: replaying one (it often
 * carries our audience when we are that client) must not work as an access token.
 */
function externalTokenProblem(config: Config, header: { typ?: string }, payload: JWTPayload): string | undefined {
  if (header.typ !== undefined && !ACCESS_TOKEN_TYPES.has(header.typ.toLowerCase()))
    return `Tokens of type "${header.typ}" are not accepted; send an access token.`;
  if (
    payload.nonce !== undefined ||
    payload.at_hash !== undefined ||
    (typeof payload.typ === "string" && payload.typ.toLowerCase() === "id")
  ) {
    return "This is an ID token; send the provider's access token instead.";
  }
  const azp = payload.azp;
  if (azp !== undefined && config.OIDC_CLIENT_IDS && (typeof azp !== "string" || !config.OIDC_CLIENT_IDS.includes(azp))) {
    return "The token was issued to a client that is not accepted here.";
  }
  return undefined;
}

async function verifyExternal(config: Config, token: string, tolerance: number): Promise<Principal> {
  const url = config.OIDC_JWKS_URL!;
  if (!remote || remote.url !== url) remote = { url, jwks: createRemoteJWKSet(new URL(url), { timeoutDuration: 5000 }) };
  const { payload, protectedHeader } = await jwtVerify(token, remote.jwks, {
    algorithms: EXTERNAL_ALGS,
    issuer: config.OIDC_ISSUER!,
    audience: config.OIDC_AUDIENCE ?? config.JWT_AUDIENCE,
    clockTolerance: tolerance,
    requiredClaims: ["exp", "sub"],
  });
  const problem = externalTokenProblem(config, protectedHeader, payload);
  if (problem) throw invalid(problem);
  return {
    source: "external",
    issuer: payload.iss!,
    subject: payload.sub!,
    email: typeof payload.email === "string" ? payload.email.toLowerCase() : undefined,
    emailVerified: payload.email_verified === true,
  };
}

function claimsOf(payload: JWTPayload): AccessClaims {
  const role = roleSchema.safeParse(payload.role);
  if (!payload.sub || typeof payload.org !== "string" || typeof payload.sid !== "string" || !role.success) {
    throw invalid("The token is missing studyhall claims.");
  }
  return { userId: payload.sub, orgId: payload.org, role: role.data, sessionId: payload.sid };
}

/** One of our tokens whose signature and claims were checked, and what its use still depends on. */
interface VerifiedToken {
  claims: AccessClaims;
  kid: string;
  exp: number;
  nbf: number;
}

/**
 * Our tokens already verified in this isolate, per key ring: a client sends the same token with every request
 * for its life, and checking its ES256 signature each time was a tenth of a cached lesson read's CPU. A hit
 * still checks the time claims against the clock and the key against the ring, so expiry holds to the second
 * and a key taken out of the configuration stops its tokens at once (a new ring has no entries). Bounded, the
 * oldest entry making room for a new one.
 */
const verifiedTokens = new WeakMap<KeyRing, Map<string, VerifiedToken>>();
const VERIFIED_TOKENS_KEPT = 4096;

function rememberedClaims(ring: KeyRing, key: string, tolerance: number): AccessClaims | undefined {
  const known = verifiedTokens.get(ring)?.get(key);
  if (!known) return undefined;
  const now = Date.now() / 1000;
  // Outside its time the full check runs again, and says why it is refused.
  if (now - tolerance >= known.exp || now + tolerance < known.nbf || !ring.verify.has(known.kid)) return undefined;
  return known.claims;
}

function remember(ring: KeyRing, key: string, token: VerifiedToken): void {
  const tokens = verifiedTokens.get(ring) ?? new Map<string, VerifiedToken>();
  verifiedTokens.set(ring, tokens);
  if (tokens.size >= VERIFIED_TOKENS_KEPT) tokens.delete(tokens.keys().next().value!);
  tokens.set(key, token);
}

/**
 * Verifies a bearer token: one of ours, or, when configured, one from the
 * trusted external identity provider (told apart by its issuer).
 * @throws ProblemError invalid-token, saying what was wrong.
 */
export async function verifyAccessToken(config: Config, token: string): Promise<Principal> {
  const tolerance = config.JWT_CLOCK_TOLERANCE;
  try {
    if (config.OIDC_ISSUER && config.OIDC_JWKS_URL && config.OIDC_ISSUER !== config.JWT_ISSUER) {
      let issuer: string | undefined;
      try {
        issuer = decodeJwt(token).iss;
      } catch {
        throw invalid("The token is not a JWT.");
      }
      if (issuer === config.OIDC_ISSUER) return await verifyExternal(config, token, tolerance);
    }
    const ring = await keyRing(config);
    const cacheKey = `${config.JWT_ISSUER}\n${config.JWT_AUDIENCE}\n${token}`;
    const remembered = rememberedClaims(ring, cacheKey, tolerance);
    if (remembered) return { source: "studyhall", ...remembered };
    let kid = "";
    const { payload } = await jwtVerify(
      token,
      (header: { kid?: string }) => {
        const key = header.kid ? ring.verify.get(header.kid) : undefined;
        if (!key) throw invalid("The token's key id is unknown.");
        kid = header.kid!;
        return key;
      },
      {
        algorithms: [ACCESS_TOKEN_ALG],
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        typ: "at+jwt",
        clockTolerance: tolerance,
        requiredClaims: ["exp", "nbf", "iat", "sub"],
      },
    );
    const claims = claimsOf(payload);
    remember(ring, cacheKey, { claims, kid, exp: payload.exp!, nbf: payload.nbf! });
    return { source: "studyhall", ...claims };
  } catch (error) {
    throw explain(error);
  }
}
