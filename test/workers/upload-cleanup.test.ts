/**
 * A failed upload leaves nothing in R2, whatever fails: a bad header, a form
 * field found wrong after the file was stored, D1 failing while the upload is
 * accepted, a replayed idempotency key, a duplicate file. Each test looks at
 * what the bucket holds under the organisation's documents afterwards.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Actor, call, expectProblem, json } from "../helpers/api.ts";
import { BOUNDARY, concat, envWith, formPart, pdfBytes, storedKeys, teacher, uploadWith } from "./upload-fixtures.ts";

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

/** D1 as the API uses it (through a Sessions API session), except that inserting into `table` fails inside D1. */
function d1FailingInserts(table: string): D1Database {
  const insert = new RegExp(`insert into "${table}"`, "i");
  const failing = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, property) {
        if (property === "prepare")
          return (query: string) => (t as unknown as D1Database).prepare(query.replace(insert, `insert into "${table}_gone"`));
        if (property === "withSession") return (constraint?: string) => failing((t as unknown as D1Database).withSession(constraint));
        const value = Reflect.get(t, property, t);
        return typeof value === "function" ? value.bind(t) : value;
      },
    });
  return failing(env.DB);
}

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

  it("D1 failing while the upload is accepted answers a 503, and neither the file nor a document remains", async () => {
    const t = await teacher();
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await uploadWith(
      envWith({ DB: d1FailingInserts("documents") }),
      t,
      pdfBytes(200_000),
      { "Content-Type": "application/pdf" },
      "?generate=false",
    );
    // The client hears that nothing was kept; what D1 said is for the log.
    expect(logged.mock.calls.flat().join("\n")).toMatch(/no such table: documents_gone/);
    expect(response.headers.get("Retry-After")).toBe("5");
    const problem = await expectProblem(response, 503, "service-unavailable");
    expect(problem.detail).toMatch(/nothing of it was kept/);
    expect(await storedKeys(t.orgId)).toEqual([]);
    const documents = await env.DB.prepare("select count(*) as n from documents where owner_id = ?").bind(t.id).first<{ n: number }>();
    expect(documents!.n).toBe(0);
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
    const response = await uploadWith(
      envWith({ DB: d1FailingInserts("idempotency_keys") }),
      t,
      pdfBytes(100_000),
      { "Content-Type": "application/pdf", "Idempotency-Key": "cleanup-key-0002" },
      "?generate=false",
    );
    await expectProblem(response, 500, "internal");
    const row = await env.DB.prepare("select id from documents where owner_id = ?").bind(t.id).first<{ id: string }>();
    expect(await storedKeys(t.orgId)).toEqual([`documents/${t.orgId}/${row!.id}/source.pdf`]);
  });
});
