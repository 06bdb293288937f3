/**
 * A failed upload leaves nothing in R2, whatever fails: a bad header, a form
 * field found wrong after the file was stored, the store refusing the document
 * while the upload is accepted, a replayed idempotency key, a duplicate file. Each test looks at
 * what the bucket holds under the organisation's documents afterwards.
 */
import { documents } from "@studyhall/db";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Actor, call, expectProblem, json } from "../helpers/api.ts";
import { refuseInserts, testDb } from "../helpers/test-db.ts";
import { BOUNDARY, concat, formPart, pdfBytes, rowsOf, storedKeys, teacher } from "./upload-fixtures.ts";

const raw = (actor: Actor, bytes: Uint8Array, headers: Record<string, string> = {}, query = "?generate=false") =>
  call(`/v1/documents${query}`, { token: actor.token, body: bytes, headers: { "Content-Type": "application/pdf", ...headers } });

const formAround = (pdf: Uint8Array, after: [string, string][]) =>
  concat(
    formPart("file", { filename: "paper.pdf", type: "application/pdf" }),
    pdf,
    ...after.flatMap(([name, value]) => [`\r\n`, formPart(name), value]),
    `\r\n--${BOUNDARY}--\r\n`,
  );

const asForm = (actor: Actor, body: Uint8Array) =>
  call("/v1/documents", { token: actor.token, body, headers: { "Content-Type": `multipart/form-data; boundary=${BOUNDARY}` } });

afterEach(() => vi.restoreAllMocks());

describe("a refused upload stores nothing", () => {
  it("an X-Title that is not percent-encoded UTF-8 is a 400 naming x-title", async () => {
    const t = await teacher();
    const problem = await expectProblem(await raw(t, pdfBytes(20_000), { "X-Title": "%" }), 400, "validation-failed");
    expect(problem.invalidParams).toEqual([{ name: "x-title", reason: "must be percent-encoded UTF-8" }]);
    expect(await storedKeys(t.orgId)).toEqual([]);
    // The same header, encoded, is the document's title.
    const ok = await raw(t, pdfBytes(20_000), { "X-Title": encodeURIComponent("100 % Tracing") });
    expect((await json(ok)).document.title).toBe("100 % Tracing");
  });

  it("a form field found invalid after its file was stored is a 400 naming it, and the file is gone", async () => {
    const t = await teacher();
    const problem = await expectProblem(await asForm(t, formAround(pdfBytes(300_000), [["generate", "maybe"]])), 400, "validation-failed");
    expect(problem.invalidParams.map((p: { name: string }) => p.name)).toEqual(["generate"]);
    await expectProblem(await asForm(t, formAround(pdfBytes(300_000), [["title", "t".repeat(5000)]])), 413, "payload-too-large");
    expect(await storedKeys(t.orgId)).toEqual([]);
  });

  it("the store refusing the document while the upload is accepted answers a 503, and neither the file nor a row remains", async () => {
    const t = await teacher();
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const allow = await refuseInserts("documents", "owner_id", t.id, "documents refused: secret_refusal");
    try {
      const response = await raw(t, pdfBytes(200_000));
      // The client hears that nothing was kept; what the store said is for the log.
      expect(logged.mock.calls.flat().join("\n")).toMatch(/secret_refusal/);
      expect(await response.clone().text()).not.toMatch(/secret_refusal|documents refused/);
      expect(response.headers.get("Retry-After")).toBe("5");
      const problem = await expectProblem(response, 503, "service-unavailable");
      expect(problem.detail).toMatch(/nothing of it was kept/);
    } finally {
      await allow();
    }
    expect(await storedKeys(t.orgId)).toEqual([]);
    expect(await rowsOf(t)).toEqual({ documents: 0, jobs: 0 });
  });
});

describe("an upload answered without a new document stores nothing new", () => {
  it("a replayed Idempotency-Key, and the key reused for another file, leave only the first upload's file", async () => {
    const t = await teacher();
    const pdf = pdfBytes(150_000);
    const first = await json(await raw(t, pdf, { "Idempotency-Key": "cleanup-key-0001" }));
    const replay = await raw(t, pdf, { "Idempotency-Key": "cleanup-key-0001" });
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    await expectProblem(await raw(t, pdfBytes(150_000), { "Idempotency-Key": "cleanup-key-0001" }), 422, "idempotency-key-reused");
    expect(await storedKeys(t.orgId)).toEqual([`documents/${t.orgId}/${first.document.id}/source.pdf`]);
  });

  it("the same file uploaded again answers with the existing document and keeps no second copy, in a form too", async () => {
    const t = await teacher();
    const pdf = pdfBytes(150_000);
    const first = await json(await raw(t, pdf));
    const again = await raw(t, pdf);
    expect(again.status).toBe(200);
    expect((await json(again)).document.id).toBe(first.document.id);
    const viaForm = await asForm(t, formAround(pdf, [["generate", "false"]]));
    expect(viaForm.status).toBe(200);
    expect(await storedKeys(t.orgId)).toEqual([`documents/${t.orgId}/${first.document.id}/source.pdf`]);
  });
});

describe("an upload whose document is recorded", () => {
  it("keeps its file when a later step fails: the document points to it", async () => {
    const t = await teacher();
    vi.spyOn(console, "error").mockImplementation(() => {});
    // Remembering the idempotency key comes after the document and its job are committed.
    const allow = await refuseInserts("idempotency_keys", "owner_id", t.id, "keys refused: secret_refusal");
    try {
      const response = await raw(t, pdfBytes(100_000), { "Idempotency-Key": "cleanup-key-0002" });
      await expectProblem(response, 500, "internal");
    } finally {
      await allow();
    }
    const [row] = await testDb().select({ id: documents.id }).from(documents).where(eq(documents.ownerId, t.id));
    expect(await storedKeys(t.orgId)).toEqual([`documents/${t.orgId}/${row!.id}/source.pdf`]);
  });
});
