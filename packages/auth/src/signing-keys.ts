/**
 * The keys that sign and verify access tokens. They come from secrets as JWKs
 * with a `kid`: the first of JWT_SIGNING_KEYS signs, every listed key verifies,
 * so rotation is adding a new key in front and moving the old one to
 * JWT_VERIFY_KEYS until its tokens have expired.
 */

import type { Config } from "@studyhall/core";
import { importJWK, type JWK } from "jose";
import { z } from "zod";

export const ACCESS_TOKEN_ALG = "ES256";

const jwkSchema = z
  .object({ kty: z.literal("EC"), crv: z.literal("P-256"), x: z.string(), y: z.string(), d: z.string().optional(), kid: z.string().min(1) })
  .loose();

export interface KeyRing {
  signing: { kid: string; key: CryptoKey } | null;
  verify: Map<string, CryptoKey>;
  /** The public keys, as published at /.well-known/jwks.json. */
  publicJwks: JWK[];
}

function parseList(text: string | undefined, name: string): z.infer<typeof jwkSchema>[] {
  if (!text) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${name} is not JSON`);
  }
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, i) => {
    const parsed = jwkSchema.safeParse(item);
    if (!parsed.success) throw new Error(`${name}[${i}] is not an ES256 JWK with a kid`);
    return parsed.data;
  });
}

function publicPart(jwk: z.infer<typeof jwkSchema>): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid: jwk.kid, alg: ACCESS_TOKEN_ALG, use: "sig" };
}

let cached: { source: string; ring: Promise<KeyRing> } | undefined;

async function buildRing(config: Config): Promise<KeyRing> {
  const privates = parseList(config.JWT_SIGNING_KEYS, "JWT_SIGNING_KEYS");
  const publics = parseList(config.JWT_VERIFY_KEYS, "JWT_VERIFY_KEYS");
  const verify = new Map<string, CryptoKey>();
  const publicJwks: JWK[] = [];
  for (const jwk of [...privates, ...publics]) {
    if (verify.has(jwk.kid)) continue;
    const pub = publicPart(jwk);
    verify.set(jwk.kid, (await importJWK(pub, ACCESS_TOKEN_ALG)) as CryptoKey);
    publicJwks.push(pub);
  }
  const first = privates[0];
  let signing: KeyRing["signing"] = null;
  if (first) {
    if (!first.d) throw new Error("JWT_SIGNING_KEYS[0] has no private part (d)");
    signing = { kid: first.kid, key: (await importJWK({ ...first, alg: ACCESS_TOKEN_ALG }, ACCESS_TOKEN_ALG)) as CryptoKey };
  }
  return { signing, verify, publicJwks };
}

/** The key ring for this configuration, imported once per isolate. */
export function keyRing(config: Config): Promise<KeyRing> {
  const source = `${config.JWT_SIGNING_KEYS ?? ""}\n${config.JWT_VERIFY_KEYS ?? ""}`;
  if (!cached || cached.source !== source) {
    const ring = buildRing(config);
    ring.catch(() => {
      if (cached?.ring === ring) cached = undefined;
    });
    cached = { source, ring };
  }
  return cached.ring;
}
