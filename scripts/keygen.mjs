#!/usr/bin/env node
/**
 * Prints a new ES256 signing key as a JWK array for JWT_SIGNING_KEYS.
 *   npm run keygen | npx wrangler secret put JWT_SIGNING_KEYS
 * To rotate: put the new key first and keep the old one (public part) in JWT_VERIFY_KEYS
 * until the last token it signed has expired (ACCESS_TOKEN_TTL).
 */
import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair } from "jose";

const { privateKey } = await generateKeyPair("ES256", { extractable: true });
const jwk = {
  ...(await exportJWK(privateKey)),
  kid: `key-${new Date().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`,
  alg: "ES256",
};
process.stdout.write(`${JSON.stringify([jwk])}\n`);
