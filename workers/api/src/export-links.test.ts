/** The signed download links of exports: what verifies, what does not. */

import { ProblemError } from "@studyhall/core";
import { describe, expect, it } from "vitest";
import { DOWNLOAD_LINK_TTL_SECONDS, downloadLink, exportUrlSecret, signDownload, verifyDownload } from "./export-links.ts";

const SECRET = "a-test-secret-that-is-long-enough-0123456789";
const KEY = "exports/org-1/export-1.pdf";
const NOW = Date.UTC(2026, 0, 1);
const inAnHour = String(NOW / 1000 + 3600);

describe("export download links", () => {
  it("a link signed for a key and expiry verifies until it expires", async () => {
    const sig = await signDownload(SECRET, KEY, Number(inAnHour));
    expect(await verifyDownload(SECRET, KEY, inAnHour, sig, NOW)).toBe("valid");
    expect(await verifyDownload(SECRET, KEY, inAnHour, sig, NOW + 3600_000)).toBe("expired");
  });

  it("downloadLink hands out a link that works for the configured lifetime", async () => {
    const { url, expiresAt } = await downloadLink(SECRET, "/v1/exports/export-1/download", KEY, NOW);
    const query = new URL(url, "https://x.test").searchParams;
    expect(Date.parse(expiresAt)).toBe(NOW + DOWNLOAD_LINK_TTL_SECONDS * 1000);
    expect(await verifyDownload(SECRET, KEY, query.get("expires"), query.get("sig"), NOW)).toBe("valid");
  });

  it(".security: a changed expiry, key, signature or secret is refused", async () => {
    const sig = await signDownload(SECRET, KEY, Number(inAnHour));
    const later = String(Number(inAnHour) + 86_400);
    expect(await verifyDownload(SECRET, KEY, later, sig, NOW)).toBe("invalid");
    expect(await verifyDownload(SECRET, "exports/org-2/export-1.pdf", inAnHour, sig, NOW)).toBe("invalid");
    const flipped = `${sig.slice(0, -2)}${sig.at(-2) === "A" ? "B" : "A"}${sig.at(-1)}`;
    expect(await verifyDownload(SECRET, KEY, inAnHour, flipped, NOW)).toBe("invalid");
    expect(await verifyDownload(`${SECRET}-rotated`, KEY, inAnHour, sig, NOW)).toBe("invalid");
  });

  it(".security: malformed or missing parameters are refused, not thrown", async () => {
    const sig = await signDownload(SECRET, KEY, Number(inAnHour));
    expect(await verifyDownload(SECRET, KEY, undefined, sig, NOW)).toBe("invalid");
    expect(await verifyDownload(SECRET, KEY, "1e12", sig, NOW)).toBe("invalid");
    expect(await verifyDownload(SECRET, KEY, inAnHour, undefined, NOW)).toBe("invalid");
    expect(await verifyDownload(SECRET, KEY, inAnHour, "not base64url!", NOW)).toBe("invalid");
    expect(await verifyDownload(SECRET, KEY, inAnHour, "", NOW)).toBe("invalid");
  });

  it(".error: without a long enough secret, links cannot be made", () => {
    expect(() => exportUrlSecret({})).toThrow(ProblemError);
    expect(() => exportUrlSecret({ EXPORT_URL_SECRET: "short" })).toThrow(/not configured/);
    expect(exportUrlSecret({ EXPORT_URL_SECRET: SECRET })).toBe(SECRET);
  });
});
