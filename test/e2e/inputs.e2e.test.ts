/**
 * Inputs at the edges, against the real thing: `npm run dev` refuses a
 * configuration out of bounds before starting anything, and a real
 * `wrangler dev` stores streamed uploads (chunked, and forms sent in small
 * pieces) intact in its local R2, as the parse that reads them back shows.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "./platform.ts";
import { type AcceptedUpload, corpusPdf, expectJson, pollJob, uniquePdf } from "./studyhall-client.ts";
import { adminToken, newPerson, type Person } from "./web/people.ts";

const base = inject("baseUrl");
const root = new URL("../..", import.meta.url).pathname;

/** Runs `npm run dev`'s script to its end with a vars file; resolves with its exit code and output. */
async function devWith(vars: string): Promise<{ code: number | null; stdout: string; stderr: string; state: string }> {
  const state = mkdtempSync(join(tmpdir(), "studyhall-config-"));
  const varsFile = join(state, "run.vars");
  writeFileSync(varsFile, vars);
  const child = spawn(
    process.execPath,
    ["scripts/dev.mjs", "--port", String(await freePort()), "--persist-to", join(state, "persist"), "--vars-file", varsFile],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("exit", (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  return { code, stdout, stderr, state };
}

describe("npm run dev with a configuration out of bounds", () => {
  it("exits with one line per bad variable, naming the worker and the bound, before migrating or starting anything", async () => {
    const run = await devWith("RATE_LIMIT_API_PER_MIN=100001\nLLM_TIMEOUT_MS=5\nOIDC_ISSUER=https://idp.example\n");
    try {
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split("\n")).toEqual([
        "invalid configuration (wrangler.toml): RATE_LIMIT_API_PER_MIN must be an integer from 1 to 100000 (the rate limiter's largest window)",
        "invalid configuration (wrangler.toml): OIDC_JWKS_URL must be set together with OIDC_ISSUER and OIDC_JWKS_URL (both or neither)",
        "invalid configuration (workers/jobs/wrangler.toml): RATE_LIMIT_API_PER_MIN must be an integer from 1 to 100000 (the rate limiter's largest window)",
        "invalid configuration (workers/jobs/wrangler.toml): OIDC_JWKS_URL must be set together with OIDC_ISSUER and OIDC_JWKS_URL (both or neither)",
        "invalid configuration (workers/jobs/wrangler.toml): LLM_TIMEOUT_MS must be an integer from 1000 to 900000 (a queue consumer's wall-time limit)",
      ]);
      expect(run.stdout).not.toMatch(/Applying D1 migrations|Starting/);
    } finally {
      rmSync(run.state, { recursive: true, force: true });
    }
  });

  it("refuses an export-link secret too short to sign with, naming it and its bound but not its value", async () => {
    const run = await devWith("EXPORT_URL_SECRET=too-short-to-sign-with\n");
    try {
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split("\n")).toEqual([
        "invalid configuration (wrangler.toml): EXPORT_URL_SECRET must be at least 32 characters",
      ]);
      expect(run.stderr).not.toMatch(/too-short-to-sign-with/);
      expect(run.stdout).not.toMatch(/Applying D1 migrations|Starting/);
    } finally {
      rmSync(run.state, { recursive: true, force: true });
    }
  });
});

describe("streamed uploads on a real wrangler dev", () => {
  let teacher: Person;
  beforeAll(async () => {
    teacher = await newPerson(base, await adminToken(base), "teacher", "Stella Streamer");
  });

  const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

  /** A body sent in `size`-byte pieces with no Content-Length: chunked transfer encoding. */
  function pieces(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
    let offset = 0;
    return new ReadableStream({
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(offset, offset + size));
        offset += size;
      },
    });
  }

  const post = (body: ReadableStream<Uint8Array> | FormData, contentType?: string, query = "") =>
    fetch(`${base}/v1/documents${query}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${teacher.token}`, ...(contentType ? { "Content-Type": contentType } : {}) },
      body,
      ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    } as RequestInit);

  it("a form sent in small pieces, its title after the file, is stored intact: the parse reads the paper back", async () => {
    const pdf = uniquePdf(await corpusPdf("tracemonkey.pdf"), "inputs-form");
    const boundary = "----e2eBoundary91c3";
    const form = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="tracemonkey.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
      ),
      pdf,
      Buffer.from(
        `\r\n--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nStreamed in pieces\r\n--${boundary}\r\nContent-Disposition: form-data; name="generate"\r\n\r\nfalse\r\n--${boundary}--\r\n`,
      ),
    ]);
    const accepted = await expectJson<AcceptedUpload>(await post(pieces(form, 997), `multipart/form-data; boundary=${boundary}`), 202);
    expect(accepted.document).toMatchObject({ title: "Streamed in pieces", bytes: pdf.length, sha256: sha256(pdf) });
    const { job } = await pollJob(base, teacher.token, accepted.job!.id);
    expect(job.status).toBe("completed");
    const document = await expectJson<{ pageCount: number; status: string }>(
      await fetch(`${base}/v1/documents/${accepted.document.id}`, { headers: { Authorization: `Bearer ${teacher.token}` } }),
    );
    expect(document).toMatchObject({ status: "parsed", pageCount: 14 });
  });

  it("a chunked upload larger than one R2 part is accepted with its exact size and hash", async () => {
    const pdf = new Uint8Array(11 * 1024 * 1024 + 7);
    for (let i = 0; i < pdf.length; i += 65_536) crypto.getRandomValues(pdf.subarray(i, Math.min(pdf.length, i + 65_536)));
    pdf.set(new TextEncoder().encode("%PDF-1.7\n"));
    const accepted = await expectJson<AcceptedUpload>(await post(pieces(pdf, 256 * 1024), "application/pdf", "?generate=false"), 202);
    expect(accepted.document).toMatchObject({ bytes: pdf.length, sha256: sha256(pdf) });
  });
});
