/** The document and job routes, as a teacher's client uses them. */
import { env } from "cloudflare:test";
import { chargeTokens } from "@studyhall/db";
import { describe, expect, it } from "vitest";
import { type Actor, call, expectProblem, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { testDb } from "../../../test/helpers/test-db.ts";
import { corpusPdf, deliver, jobRow, runToEnd } from "./run-jobs.ts";

async function upload(actor: Actor, bytes: Uint8Array | string, query = "", headers: Record<string, string> = {}) {
  return call(`/v1/documents${query}`, { token: actor.token, body: bytes, headers: { "Content-Type": "application/pdf", ...headers } });
}

async function teacher(): Promise<Actor> {
  return newMember(await newOrg(), "teacher");
}

describe("uploads", () => {
  it("accepts multipart form data with a file part and a title", async () => {
    const t = await teacher();
    const form = new FormData();
    form.append("file", new File([await corpusPdf("tracemonkey.pdf")], "paper.pdf", { type: "application/pdf" }));
    form.append("title", "From a form");
    form.append("generate", "false");
    const response = await call("/v1/documents", { token: t.token, body: form });
    expect(response.status).toBe(202);
    expect((await json(response)).document.title).toBe("From a form");
  });

  it("refuses a file that is not a PDF with 415, and stores nothing", async () => {
    const t = await teacher();
    await expectProblem(await upload(t, "hello, I am plain text pretending to be a PDF"), 415, "unsupported-media-type");
    expect((await env.FILES.list({ prefix: `documents/${t.orgId}/` })).objects).toHaveLength(0);
  });

  it("refuses a body over the size limit with 413 before reading it", async () => {
    const t = await teacher();
    const response = await upload(t, "%PDF-1.7\n", "", { "Content-Length": String(60 * 1024 * 1024) });
    await expectProblem(response, 413, "payload-too-large");
  });

  it("students cannot upload", async () => {
    const admin = await newOrg();
    const student = await newMember(admin, "student");
    await expectProblem(await upload(student, await corpusPdf("tracemonkey.pdf")), 403, "forbidden");
  });

  it("uploads are limited to 5 a minute per user", async () => {
    const t = await teacher();
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await upload(t, `%PDF-1.4 not really ${i}`)).status);
    expect(statuses.slice(0, 5).every((s) => s !== 429)).toBe(true);
    expect(statuses[5]).toBe(429);
  });

  it("an Idempotency-Key replays the first answer, and refuses another body", async () => {
    const t = await teacher();
    const bytes = await corpusPdf("tracemonkey.pdf");
    const first = await upload(t, bytes, "?generate=false", { "Idempotency-Key": "upload-key-0001" });
    const again = await upload(t, bytes, "?generate=false", { "Idempotency-Key": "upload-key-0001" });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect((await json(again)).job.id).toBe((await json(first)).job.id);
    await expectProblem(
      await upload(t, await corpusPdf("issue925.pdf"), "?generate=false", { "Idempotency-Key": "upload-key-0001" }),
      422,
      "idempotency-key-reused",
    );
    expect((await env.FILES.list({ prefix: `documents/${t.orgId}/` })).objects).toHaveLength(1);
  });
});

describe("parse failures", () => {
  it("a password-protected PDF fails its job with its own problem type, visible on the job and the document", async () => {
    const t = await teacher();
    const accepted = await json(await upload(t, await corpusPdf("encrypted-attachment.pdf")));
    await runToEnd(accepted.job.id);
    const job = await json(await call(`/v1/jobs/${accepted.job.id}`, { token: t.token }));
    expect(job).toMatchObject({ status: "failed", attempts: 1, error: { type: "/problems/pdf-encrypted", retryable: false } });
    const doc = await json(await call(`/v1/documents/${accepted.document.id}`, { token: t.token }));
    expect(doc.status).toBe("failed");
  });
});

describe("documents and jobs belong to their owner", () => {
  it("another teacher, a student and another organisation get 404", async () => {
    const admin = await newOrg();
    const owner = await newMember(admin, "teacher");
    const colleague = await newMember(admin, "teacher");
    const outsider = await newOrg();
    const accepted = await json(await upload(owner, await corpusPdf("tracemonkey.pdf"), "?generate=false"));
    for (const who of [colleague, outsider]) {
      await expectProblem(await call(`/v1/documents/${accepted.document.id}`, { token: who.token }), 404);
      await expectProblem(await call(`/v1/jobs/${accepted.job.id}`, { token: who.token }), 404);
      await expectProblem(await call(`/v1/jobs/${accepted.job.id}/cancel`, { token: who.token, method: "POST" }), 404);
      await expectProblem(await call(`/v1/documents/${accepted.document.id}`, { token: who.token, method: "DELETE" }), 404);
    }
    // The organisation's admin may look.
    expect((await call(`/v1/jobs/${accepted.job.id}`, { token: admin.token })).status).toBe(200);
  });

  it("lists the caller's jobs by status and kind, page by page", async () => {
    const t = await teacher();
    for (const name of ["tracemonkey.pdf", "issue925.pdf", "bug1365930.pdf"]) await upload(t, await corpusPdf(name), "?generate=false");
    const page1 = await json(await call("/v1/jobs?kind=parse-document&status=queued&limit=2", { token: t.token }));
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toBeTruthy();
    const page2 = await json(
      await call(`/v1/jobs?kind=parse-document&status=queued&limit=2&cursor=${encodeURIComponent(page1.nextCursor)}`, { token: t.token }),
    );
    expect(page2.items).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();
    const ids = [...page1.items, ...page2.items].map((j: { id: string }) => j.id);
    expect(new Set(ids).size).toBe(3);
    expect((await json(await call("/v1/jobs?status=completed", { token: t.token }))).items).toHaveLength(0);
  });

  it("deleting a document removes its files", async () => {
    const t = await teacher();
    const accepted = await json(await upload(t, await corpusPdf("tracemonkey.pdf"), "?generate=false"));
    await runToEnd(accepted.job.id);
    expect((await env.FILES.list({ prefix: `documents/${t.orgId}/${accepted.document.id}/` })).objects.length).toBe(3);
    expect((await call(`/v1/documents/${accepted.document.id}`, { token: t.token, method: "DELETE" })).status).toBe(204);
    expect((await env.FILES.list({ prefix: `documents/${t.orgId}/${accepted.document.id}/` })).objects).toHaveLength(0);
    await expectProblem(await call(`/v1/documents/${accepted.document.id}`, { token: t.token }), 404);
  });
});

describe("course generation on request", () => {
  it("is idempotent per key, refuses another body under the same key, and cancels", async () => {
    const t = await teacher();
    const accepted = await json(await upload(t, await corpusPdf("tracemonkey.pdf"), "?generate=false"));
    await runToEnd(accepted.job.id);
    const start = (body: unknown, key: string) =>
      call(`/v1/documents/${accepted.document.id}/course`, { token: t.token, body, headers: { "Idempotency-Key": key } });
    const firstResponse = await start({ title: "Tracing JITs", moduleCount: 2 }, "course-key-0001");
    expect(firstResponse.status).toBe(202);
    const first = await json(firstResponse);
    const again = await start({ title: "Tracing JITs", moduleCount: 2 }, "course-key-0001");
    expect((await json(again)).job.id).toBe(first.job.id);
    await expectProblem(await start({ title: "Something else" }, "course-key-0001"), 422, "idempotency-key-reused");
    const courses = await json(await call("/v1/courses", { token: t.token }));
    expect(courses.items.filter((c: { documentId: string }) => c.documentId === accepted.document.id)).toHaveLength(1);

    const jobId = first.job.id;
    const cancelled = await call(`/v1/jobs/${jobId}/cancel`, { token: t.token, method: "POST" });
    expect(cancelled.status).toBe(202);
    expect((await json(cancelled)).status).toBe("cancelled");
    await runToEnd(jobId);
    expect(await jobRow(jobId)).toMatchObject({ status: "cancelled", startedAt: null });
    await expectProblem(await call(`/v1/jobs/${jobId}/cancel`, { token: t.token, method: "POST" }), 409, "conflict");
  });

  it("is refused when the month's token quota is spent", async () => {
    const t = await teacher();
    const accepted = await json(await upload(t, await corpusPdf("tracemonkey.pdf"), "?generate=false"));
    await runToEnd(accepted.job.id);
    await chargeTokens(testDb(), { orgId: t.orgId, userId: t.id, amount: 1_000_000 });
    const refused = await call(`/v1/documents/${accepted.document.id}/course`, { token: t.token, body: {} });
    const problem = await expectProblem(refused, 429, "quota-exceeded");
    expect(problem.usage).toMatchObject({ used: 1_000_000, limit: 1_000_000, remaining: 0 });
    expect(Date.parse(problem.usage.resetsAt)).toBeGreaterThan(Date.now());
  });

  it("a failed job can be retried; any other cannot", async () => {
    const t = await teacher();
    const accepted = await json(await upload(t, await corpusPdf("tracemonkey.pdf"), "?generate=false"));
    // Failed for a reason a retry can fix: the queue gave up delivering it (a permanent failure is refused, see job-retry.test.ts).
    await deliver(accepted.job.id, { queue: "studyhall-jobs-dead", attempts: 11 });
    expect((await jobRow(accepted.job.id)).status).toBe("failed");
    const retried = await call(`/v1/jobs/${accepted.job.id}/retry`, { token: t.token, method: "POST" });
    expect(retried.status).toBe(202);
    expect(await json(retried)).toMatchObject({ status: "queued", attempts: 0 });
    await expectProblem(await call(`/v1/jobs/${accepted.job.id}/retry`, { token: t.token, method: "POST" }), 409);
  });
});
