/**
 * A job's visible error is written by us: what failed and whether it will be
 * retried. The raw text underneath (the store's own words, the body a model provider
 * answered with) is logged with the job id and never reaches the job's owner
 * or the admin dashboard.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Actor, call, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { refuseInserts } from "../../../test/helpers/test-db.ts";
import { withBindings } from "../../../test/helpers/with-bindings.ts";
import worker from "../src/index.ts";
import { corpusPdf, jobRow, runToEnd, skipWait } from "./run-jobs.ts";

afterEach(() => vi.restoreAllMocks());

/** The consumers' environment with some bindings or variables replaced, as a deployment would have them. */
function envWith(replaced: Record<string, unknown>): JobsEnv {
  return withBindings(env as unknown as JobsEnv, replaced);
}

async function deliverWith(jobId: string, jobsEnv: JobsEnv) {
  const job = await jobRow(jobId);
  const batch = createMessageBatch(`studyhall-jobs-${job.lane}`, [
    { id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: { jobId, kind: job.kind } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch, jobsEnv, ctx);
  return getQueueResult(batch, ctx);
}

/** The job as its owner and as the organisation's admin see it, as text. */
async function everythingShown(
  jobId: string,
  owner: Actor,
  admin: Actor,
): Promise<{ ownerView: { status: string; attempts: number; error: { type: string; detail: string; retryable: boolean } }; text: string }> {
  const ownerResponse = await call(`/v1/jobs/${jobId}`, { token: owner.token });
  const adminResponse = await call(`/v1/admin/jobs/${jobId}`, { token: admin.token });
  expect([ownerResponse.status, adminResponse.status]).toEqual([200, 200]);
  const ownerView = await json(ownerResponse);
  return { ownerView, text: `${JSON.stringify(ownerView)}\n${await adminResponse.text()}` };
}

function logged() {
  const spy = vi.spyOn(console, "error").mockImplementation(() => {});
  return () => spy.mock.calls.map((args) => args.join(" ")).join("\n");
}

describe("a job that fails on the store's error", () => {
  it("tells its owner and the admin which attempt failed and when it is retried, then that it is not; the store's words stay in the log", async () => {
    const admin = await newOrg();
    const teacher = await newMember(admin, "teacher");
    const accepted = await json(
      await call("/v1/documents?generate=false", {
        token: teacher.token,
        body: await corpusPdf("tracemonkey.pdf"),
        headers: { "Content-Type": "application/pdf" },
      }),
    );
    const logs = logged();
    // The store itself refuses this document's sections, with words of its own that must not reach anyone.
    const allow = await refuseInserts("document_sections", "document_id", accepted.document.id, "sections refused: secret_refusal");
    const failing = env as unknown as JobsEnv;

    try {
      await deliverWith(accepted.job.id, failing);
      const first = await everythingShown(accepted.job.id, teacher, admin);
      expect(first.ownerView).toMatchObject({ status: "queued", attempts: 1, error: { retryable: true } });
      expect(first.ownerView.error.detail).toMatch(
        /^Attempt 1 of 4 failed: the database could not complete a step\. It will be retried automatically in about \d+ s\.$/,
      );
      expect(first.text).not.toMatch(/document_sections|secret_refusal|SQLITE|D1_ERROR|Postgres/i);
      expect(logs()).toMatch(new RegExp(`${accepted.job.id}.*secret_refusal`));

      for (let attempt = 2; attempt <= 4; attempt++) {
        await skipWait(accepted.job.id);
        await deliverWith(accepted.job.id, failing);
      }
      const last = await everythingShown(accepted.job.id, teacher, admin);
      expect(last.ownerView).toMatchObject({ status: "failed", attempts: 4, error: { retryable: false } });
      expect(last.ownerView.error.detail).toMatch(
        /^All 4 attempts failed; the last one because the database could not complete a step\. It will not be retried automatically/,
      );
      expect(last.text).not.toMatch(/document_sections|secret_refusal|SQLITE|D1_ERROR|Postgres/i);
    } finally {
      await allow();
    }
  });
});

describe("a job that fails on a model provider's refusal", () => {
  it("shows our words for it, never the provider's response body, which is logged with the job id", async () => {
    const admin = await newOrg();
    const teacher = await newMember(admin, "teacher");
    const accepted = await json(
      await call("/v1/documents", {
        token: teacher.token,
        body: await corpusPdf("issue925.pdf"),
        headers: { "Content-Type": "application/pdf" },
      }),
    );
    const { job: parsed } = await runToEnd(accepted.job.id);
    const courseJobId = (parsed.result as { courseJobId: string }).courseJobId;
    const logs = logged();
    // The endpoint answers 400 with a body naming its model and account (vitest.config.ts serves it).
    const refusing = envWith({
      LLM_PROVIDER: "openai",
      LLM_API_KEYS: "sk-test",
      LLM_BASE_URL: "https://refusing-llm.test/v1",
      LLM_REQUESTS_PER_MIN: "10000",
    });

    await deliverWith(courseJobId, refusing);
    const shown = await everythingShown(courseJobId, teacher, admin);
    expect(shown.ownerView).toMatchObject({ status: "failed", error: { type: "/problems/llm-rejected", retryable: false } });
    expect(shown.ownerView.error.detail).toMatch(/^The model's endpoint refused the request .* It will not be retried automatically\.$/);
    expect(shown.text).not.toMatch(/LEAKCANARY|gpt-canary|model_not_found|invalid_request_error/);
    expect(logs()).toMatch(new RegExp(`${courseJobId}.*LEAKCANARY`));
  });
});
