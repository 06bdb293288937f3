/**
 * An upload meeting a fault at each boundary it crosses: the relational store
 * failing the document and job write (D1 through a wrapped binding,
 * PostgreSQL by its connection being cut as the statement goes out), R2
 * failing partway through storing the file (a wrapped binding). What the uploader then
 * sees is asserted, and what a later look at the bucket and the database
 * finds. (The queue refusing the job's message is in
 * workers/jobs/test/job-sweeper.test.ts, beside the sweep that recovers it.)
 */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { call, expectProblem } from "../helpers/api.ts";
import { failingBucket, failingStore } from "../helpers/failing-bindings.ts";
import { withBindings } from "../helpers/with-bindings.ts";
import { chunked, pdfBytes, rowsOf, storedKeys, teacher, uploadWith } from "./upload-fixtures.ts";

const PDF = { "Content-Type": "application/pdf" };

afterEach(() => vi.restoreAllMocks());

/** A 503 that says nothing was kept and when to try again, without a word of what failed underneath. */
async function expectNothingKept(response: Response, underneath: RegExp) {
  expect(response.headers.get("Retry-After")).toMatch(/^\d+$/);
  const text = await response.clone().text();
  expect(text).not.toMatch(underneath);
  const problem = await expectProblem(response, 503, "service-unavailable");
  expect(problem.detail).toMatch(/nothing of it was kept/);
}

describe(".error: the relational store fails while the upload is accepted", () => {
  it("the document and job write failing is a 503 problem with Retry-After, and neither the file nor a row remains", async () => {
    const t = await teacher();
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const store = failingStore(env, /^\s*insert into "documents"/i);
    const response = await uploadWith(withBindings(env, store.bindings), t, pdfBytes(200_000), PDF, "?generate=false");

    expect(await store.failures()).toBe(1);
    await expectNothingKept(response, /Network connection lost|D1_ERROR|CONNECTION_CLOSED|ECONNRESET|Failed query|insert into/i);
    // The operators' log has what the store said, under the request id the client was given.
    expect(logged.mock.calls.flat().join("\n")).toContain(response.headers.get("X-Request-Id")!);
    expect(await storedKeys(t.orgId)).toEqual([]);
    expect(await rowsOf(t)).toEqual({ documents: 0, jobs: 0 });

    // The store back: the same upload goes through.
    expect((await call("/v1/documents?generate=false", { token: t.token, body: pdfBytes(200_000), headers: PDF })).status).toBe(202);
  });
});

describe(".error: R2 fails partway through storing the file", () => {
  // What R2 said goes to the log, which these tests do not read.
  beforeEach(() => void vi.spyOn(console, "error").mockImplementation(() => {}));

  it("a multipart part failing is a 503; the upload is aborted, so no object, no parts and no row remain", async () => {
    const t = await teacher();
    const bucket = failingBucket(env.FILES, { failPart: 2 });
    // A chunked body of three parts: the first is stored, the second fails.
    const response = await uploadWith(withBindings(env, { FILES: bucket.binding }), t, chunked(pdfBytes(11 * 1024 * 1024)), PDF);

    expect(bucket.failures).toBe(1);
    await expectNothingKept(response, /internal error|\b10001\b|uploadPart/);
    expect(await storedKeys(t.orgId)).toEqual([]);
    // The begun upload is gone too: R2 no longer takes a part for it, so its stored part does not linger.
    expect(bucket.uploads).toHaveLength(1);
    const [begun] = bucket.uploads;
    const resumed = env.FILES.resumeMultipartUpload(begun!.key, begun!.uploadId);
    await expect(resumed.uploadPart(3, new Uint8Array(16))).rejects.toThrow();
    expect(await rowsOf(t)).toEqual({ documents: 0, jobs: 0 });
  });

  it("a stream put failing after part of the body is a 503, and nothing is stored or recorded", async () => {
    const t = await teacher();
    const bucket = failingBucket(env.FILES, { putFailsAfterBytes: 64 * 1024 });
    // With a Content-Length, the body streams straight into one put.
    const size = 1024 * 1024;
    const response = await uploadWith(
      withBindings(env, { FILES: bucket.binding }),
      t,
      pdfBytes(size),
      { ...PDF, "Content-Length": String(size) },
      "?generate=false",
    );

    expect(bucket.failures).toBe(1);
    await expectNothingKept(response, /internal error|\b10001\b/);
    expect(await storedKeys(t.orgId)).toEqual([]);
    expect(await rowsOf(t)).toEqual({ documents: 0, jobs: 0 });
  });
});
