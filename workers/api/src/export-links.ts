/**
 * Signed, expiring download links for exports. The link itself is the
 * permission: an HMAC-SHA256, under the secret `EXPORT_URL_SECRET`, of the
 * file's R2 key and the link's expiry. Changing the id, the expiry or the
 * signature breaks it; so does the secret being rotated. Verification is
 * constant-time (`crypto.subtle.verify`). The secret's rule (at least 32
 * characters) is the API configuration's (config.ts).
 */

import { ConfigError, ProblemError } from "@studyhall/core";
import { apiConfig } from "./config.ts";

/** How long a download link works after it is handed out. */
export const DOWNLOAD_LINK_TTL_SECONDS = 15 * 60;

/**
 * The signing secret from the API's configuration.
 * @throws ProblemError service-unavailable when it is missing or too short (the cause is logged, not shown).
 */
export function exportUrlSecret(env: object): string {
  let secret: string | undefined;
  let cause: unknown;
  try {
    secret = apiConfig(env).EXPORT_URL_SECRET;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    cause = error;
  }
  if (!secret) throw new ProblemError("service-unavailable", { detail: "Export downloads are not configured on this server.", cause });
  return secret;
}

const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
  }
  return key;
}

const message = (r2Key: string, expires: number) => new TextEncoder().encode(`${r2Key}\n${expires}`);

function toBase64Url(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/**
 * The signature of a link to `r2Key` that works until `expires` (Unix seconds).
 * @example
 * const sig = await signDownload(secret, "exports/org/abc.pdf", 1_900_000_000);
 */
export async function signDownload(secret: string, r2Key: string, expires: number): Promise<string> {
  return toBase64Url(await crypto.subtle.sign("HMAC", await hmacKey(secret), message(r2Key, expires)));
}

export type LinkCheck = "valid" | "expired" | "invalid";

/** Checks a link's expiry and signature; `now` in milliseconds. */
export async function verifyDownload(secret: string, r2Key: string, expires: unknown, sig: unknown, now = Date.now()): Promise<LinkCheck> {
  if (typeof expires !== "string" || !/^\d{1,12}$/.test(expires) || typeof sig !== "string") return "invalid";
  const signature = fromBase64Url(sig);
  if (!signature) return "invalid";
  const valid = await crypto.subtle.verify("HMAC", await hmacKey(secret), signature, message(r2Key, Number(expires)));
  if (!valid) return "invalid";
  return Number(expires) * 1000 <= now ? "expired" : "valid";
}

/** A download link's query: `expires` and `sig`, for a path. */
export async function downloadLink(
  secret: string,
  path: string,
  r2Key: string,
  now = Date.now(),
): Promise<{ url: string; expiresAt: string }> {
  const expires = Math.floor(now / 1000) + DOWNLOAD_LINK_TTL_SECONDS;
  const sig = await signDownload(secret, r2Key, expires);
  return { url: `${path}?expires=${expires}&sig=${sig}`, expiresAt: new Date(expires * 1000).toISOString() };
}
