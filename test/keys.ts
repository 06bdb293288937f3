/** Test signing keys, made fresh for each run in Node and handed to workerd as bindings. */
import { exportJWK, generateKeyPair } from "jose";

export async function newSigningKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: "ES256" };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  return { privateJwk, publicJwk };
}
