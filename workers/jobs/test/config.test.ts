/** A jobs worker whose configuration is out of bounds runs nothing and spends no attempt, and says why in its log. */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { insertJob } from "@studyhall/db";
import { afterEach, describe, expect, it, vi } from "vitest";
import { newOrg } from "../../../test/helpers/api.ts";
import { withBindings } from "../../../test/helpers/with-bindings.ts";
import worker from "../src/index.ts";
import { db, jobRow } from "./run-jobs.ts";

afterEach(() => vi.restoreAllMocks());

describe("a misconfigured jobs worker", () => {
  it("puts the batch back instead of running it while an LLM setting is out of bounds", async () => {
    const owner = await newOrg();
    const jobId = crypto.randomUUID();
    await insertJob(db(), {
      id: jobId,
      orgId: owner.orgId,
      ownerId: owner.id,
      kind: "parse-document",
      lane: "normal",
      payload: { documentId: crypto.randomUUID() },
      maxAttempts: 4,
    });
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const misconfigured = withBindings(env as unknown as JobsEnv, { LLM_TIMEOUT_MS: "5" });
    const batch = createMessageBatch("studyhall-jobs-normal", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { jobId, kind: "parse-document" } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch as MessageBatch, misconfigured, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryBatch.retry).toBe(true);
    expect(result.explicitAcks).toEqual([]);
    expect(await jobRow(jobId)).toMatchObject({ status: "queued", attempts: 0 });
    expect(errors.mock.calls.flat().join("\n")).toMatch(/LLM_TIMEOUT_MS.*from 1000 to 900000/);
  });
});
