/**
 * Password hashing with PBKDF2-SHA256 through WebCrypto. workerd refuses more
 * than 100,000 iterations, so that is what we use; the count is stored with
 * each hash so it can be raised later without breaking old hashes.
 */
import { constantTimeEqual, fromBase64Url, toBase64Url } from "./encoding.ts";

/** The highest PBKDF2 iteration count workerd accepts. */
export const PBKDF2_ITERATIONS = 100_000;
const KEY_BITS = 256;

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password.normalize("NFKC")), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, KEY_BITS);
  return new Uint8Array(bits);
}

/**
 * Hashes a password with a fresh 16-byte salt.
 * @example await hashPassword("correct horse battery") // "pbkdf2-sha256$100000$…$…"
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

// Verified against when the email is unknown, so that answer takes as long as a wrong password.
const DECOY_HASH = `pbkdf2-sha256$${PBKDF2_ITERATIONS}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;

/** Checks a password against a stored hash in constant time; a null hash still costs a full derivation. */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  const known = typeof stored === "string";
  const [scheme, iterationsText, saltText, hashText] = (known ? stored : DECOY_HASH).split("$");
  if (scheme !== "pbkdf2-sha256" || !iterationsText || !saltText || !hashText) return false;
  const iterations = Math.min(Number(iterationsText), PBKDF2_ITERATIONS);
  const expected = fromBase64Url(hashText);
  const actual = await derive(password, fromBase64Url(saltText), iterations);
  return constantTimeEqual(actual, expected) && known;
}
