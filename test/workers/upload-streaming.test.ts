/**
 * Uploads stream into R2 without the body ever being held whole: a chunked
 * body or a form's file part of any length is stored byte for byte through an
 * R2 multipart upload, and a body over the limit, however it is framed, is cut
 * off the moment it passes it, leaving nothing behind.
 */
import { env } from "cloudflare:test";
import { jobs } from "@studyhall/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { call, expectProblem, json } from "../helpers/api.ts";
import { testDb } from "../helpers/test-db.ts";
import {
  BOUNDARY,
  chunked,
  concat,
  endlessBody,
  envWith,
  formPart,
  pdfBytes,
  recordingBucket,
  sha256,
  storedKeys,
  teacher,
  uploadWith,
} from "./upload-fixtures.ts";

const MiB = 1024 * 1024;
const FORM = { "Content-Type": `multipart/form-data; boundary=${BOUNDARY}` };

async function storedBytes(key: string): Promise<Uint8Array> {
  return new Uint8Array(await (await env.FILES.get(key))!.arrayBuffer());
}

describe("uploads of unknown length are streamed into R2", () => {
  it("a chunked raw upload spanning three R2 parts is stored byte for byte, with its hash and size", async () => {
    const t = await teacher();
    const pdf = pdfBytes(12 * MiB + 12345);
    const { bucket, calls } = recordingBucket();
    const response = await uploadWith(
      envWith({ FILES: bucket }),
      t,
      chunked(pdf),
      { "Content-Type": "application/pdf" },
      "?generate=false",
    );
    expect(response.status).toBe(202);
    const accepted = await json(response);
    expect(accepted.document).toMatchObject({ bytes: pdf.length, sha256: await sha256(pdf) });
    expect(calls).toEqual({ created: 1, parts: 3, completed: 1, aborted: 0 });
    const [key] = await storedKeys(t.orgId);
    expect(await sha256(await storedBytes(key!))).toBe(await sha256(pdf));
  });

  it("a form's file part larger than one R2 part is stored byte for byte, with the title and flag around it", async () => {
    const t = await teacher();
    const pdf = pdfBytes(6 * MiB);
    const body = concat(
      formPart("title"),
      "Before the file",
      "\r\n",
      formPart("file", { filename: "big.pdf", type: "application/pdf" }),
      pdf,
      "\r\n",
      formPart("generate"),
      "false",
      `\r\n--${BOUNDARY}--\r\n`,
    );
    const { bucket, calls } = recordingBucket();
    const response = await uploadWith(envWith({ FILES: bucket }), t, chunked(body), FORM);
    expect(response.status).toBe(202);
    const accepted = await json(response);
    expect(accepted.document).toMatchObject({ title: "Before the file", bytes: pdf.length, sha256: await sha256(pdf) });
    expect(calls).toEqual({ created: 1, parts: 2, completed: 1, aborted: 0 });
    const [key] = await storedKeys(t.orgId);
    expect(await sha256(await storedBytes(key!))).toBe(await sha256(pdf));
    // generate=false came after the file, and still counted: no course job follows the parse.
    const [row] = await testDb().select({ payload: jobs.payload }).from(jobs).where(eq(jobs.id, accepted.job.id));
    expect(row?.payload).toMatchObject({ generateCourse: null });
  });

  it("a small form is one put, titled from its file name", async () => {
    const t = await teacher();
    const form = new FormData();
    form.append("file", new File([pdfBytes(40_000)], "Lecture notes.pdf", { type: "application/pdf" }));
    const response = await call("/v1/documents?generate=false", { token: t.token, body: form });
    expect(response.status).toBe(202);
    expect((await json(response)).document).toMatchObject({ title: "Lecture notes", bytes: 40_000 });
  });
});

describe("a body over the limit is cut off as it passes it", () => {
  const limit = 6 * MiB;
  const small = () => envWith({ MAX_UPLOAD_BYTES: String(limit) });

  it("an endless chunked body: 413 after reading little more than the limit, its multipart upload aborted, nothing stored", async () => {
    const t = await teacher();
    const { stream, counter } = endlessBody(pdfBytes(1024));
    const { bucket, calls } = recordingBucket();
    const response = await uploadWith(envWith({ FILES: bucket, MAX_UPLOAD_BYTES: String(limit) }), t, stream, {
      "Content-Type": "application/pdf",
    });
    await expectProblem(response, 413, "payload-too-large");
    expect(counter.pulled).toBeLessThan(limit + MiB);
    expect(calls).toMatchObject({ created: 1, completed: 0, aborted: 1 });
    expect(await storedKeys(t.orgId)).toEqual([]);
  });

  it("an endless file part of a form: the same", async () => {
    const t = await teacher();
    const { stream, counter } = endlessBody(concat(formPart("file", { filename: "endless.pdf" }), pdfBytes(1024)));
    const { bucket, calls } = recordingBucket();
    const response = await uploadWith(envWith({ FILES: bucket, MAX_UPLOAD_BYTES: String(limit) }), t, stream, FORM);
    await expectProblem(response, 413, "payload-too-large");
    expect(counter.pulled).toBeLessThan(limit + MiB);
    expect(calls).toMatchObject({ created: 1, completed: 0, aborted: 1 });
    expect(await storedKeys(t.orgId)).toEqual([]);
  });

  it("a form whose body stops inside its file part is a 400, not a shorter file", async () => {
    const t = await teacher();
    const { bucket, calls } = recordingBucket();
    const truncated = concat(formPart("file", { filename: "cut.pdf" }), pdfBytes(5 * MiB + 100));
    const problem = await expectProblem(await uploadWith(envWith({ FILES: bucket }), t, chunked(truncated), FORM), 400, "bad-request");
    expect(problem.detail).toMatch(/closing boundary/);
    expect(calls).toMatchObject({ created: 1, completed: 0, aborted: 1 });
    expect(await storedKeys(t.orgId)).toEqual([]);
  });

  it("a body that is not a PDF is refused with 415 before anything is stored, in a form or chunked", async () => {
    const t = await teacher();
    const notPdf = new TextEncoder().encode("<html>".padEnd(4096, " "));
    const form = concat(formPart("file", { filename: "page.pdf" }), notPdf, `\r\n--${BOUNDARY}--`);
    await expectProblem(await uploadWith(small(), t, chunked(form), FORM), 415, "unsupported-media-type");
    await expectProblem(
      await uploadWith(small(), t, chunked(notPdf), { "Content-Type": "application/pdf" }),
      415,
      "unsupported-media-type",
    );
    expect(await storedKeys(t.orgId)).toEqual([]);
  });

  it("a form without a file part is a 400 naming it", async () => {
    const t = await teacher();
    const form = new FormData();
    form.append("title", "No file here");
    const problem = await expectProblem(await call("/v1/documents", { token: t.token, body: form }), 400, "validation-failed");
    expect(problem.invalidParams).toEqual([{ name: "file", reason: "required" }]);
  });
});
