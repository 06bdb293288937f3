/**
 * Spending against a remote model (the fake OpenAI-compatible endpoint): every
 * request is bounded by `max_tokens` and counted at the shared gate, real
 * usage is charged to the job's reservation as it happens, and a job whose
 * usage outruns what its owner's quota can cover stops, failed, instead of
 * spending more.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { estimateTokens, OUTPUT_TOKEN_BOUNDS, outputTokenBound } from "@studyhall/core";
import { chargeTokens, documentTextChars, insertJob, tokenReservations, usageLedger } from "@studyhall/db";
import type { GateState } from "@studyhall/objects";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type Actor, call, json } from "../../../test/helpers/api.ts";
import { fakeModel } from "./fake-llm.ts";
import { db, runToEnd, teacherWithPaper } from "./run-jobs.ts";

interface Usage {
  used: number;
  reserved: number;
  limit: number;
  remaining: number;
}

const usageOf = async (actor: Actor) => json<Usage>(await call("/v1/me/usage", { token: actor.token }));

/** What the month's ledger holds for a user. */
async function spent(userId: string): Promise<number> {
  const [row] = await db()
    .select({ n: sql<number>`coalesce(sum(${usageLedger.amount}), 0)` })
    .from(usageLedger)
    .where(eq(usageLedger.userId, userId));
  return Number(row?.n ?? 0);
}

async function reservationsOf(jobId: string) {
  return db().select().from(tokenReservations).where(eq(tokenReservations.jobId, jobId));
}

describe("a course written by the model", () => {
  it("reserves its estimate, charges what each request really used, bounds every request with max_tokens, and gives the rest back", async () => {
    const { teacher, documentId } = await teacherWithPaper();
    const model = fakeModel("ok");
    const started = await json(await call(`/v1/documents/${documentId}/course`, { token: teacher.token, body: { moduleCount: 1 } }));
    const estimate = estimateTokens({ kind: "generate-course", textChars: await documentTextChars(db(), documentId), moduleCount: 1 });
    expect(await usageOf(teacher)).toMatchObject({ used: 0, reserved: estimate, remaining: 1_000_000 - estimate });

    const { job } = await runToEnd(started.job.id, 20, { env: model.env });
    expect(job).toMatchObject({ status: "completed", result: { provider: "openai", modules: 1 } });

    const seen = await model.requests();
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.map((r) => r.stage)).toEqual(["outline", ...Array(seen.length - 2).fill("lesson"), "questions"]);
    expect(seen[0]!.maxTokens).toBe(OUTPUT_TOKEN_BOUNDS.outline);
    for (const r of seen) {
      expect(r.maxTokens, `${r.stage} without max_tokens`).toEqual(expect.any(Number));
      expect(r.maxTokens!).toBeGreaterThan(0);
      expect(r.maxTokens!).toBeLessThanOrEqual(OUTPUT_TOKEN_BOUNDS.quiz);
    }

    const reported = seen.reduce((n, r) => n + r.totalTokens, 0);
    expect((job.result as { tokens: number }).tokens).toBe(reported);
    expect(await usageOf(teacher)).toMatchObject({ used: reported, reserved: 0, remaining: 1_000_000 - reported });
    expect(await reservationsOf(job.id)).toEqual([expect.objectContaining({ status: "released", charged: reported, amount: estimate })]);
  });
});

describe(".security: a job never spends past what the quota can cover", () => {
  it("a course whose replies claim far more tokens than reserved, with nothing left to extend with, fails with quota-exceeded after one request and charges no more than the quota", async () => {
    const { teacher, documentId } = await teacherWithPaper();
    const model = fakeModel("usage-400000");
    const started = await json(await call(`/v1/documents/${documentId}/course`, { token: teacher.token, body: { moduleCount: 2 } }));
    const [reservation] = await reservationsOf(started.job.id);
    // The rest of the month goes elsewhere: the quota now holds exactly this job's reservation.
    await chargeTokens(db(), { orgId: teacher.orgId, userId: teacher.id, amount: 1_000_000 - reservation!.amount });

    const { job } = await runToEnd(started.job.id, 20, { env: model.env });
    expect(job).toMatchObject({ status: "failed", attempts: 1, error: { type: "/problems/quota-exceeded", retryable: false } });
    expect(await model.requests()).toHaveLength(1);
    expect(await spent(teacher.id)).toBe(1_000_000);
    expect(await usageOf(teacher)).toMatchObject({ used: 1_000_000, reserved: 0, remaining: 0 });
    expect((await json(await call(`/v1/courses/${started.courseId}`, { token: teacher.token }))).status).toBe("FAILED");
  });

  it("a job accepted before reservations existed reserves at its first request; with the quota spent it fails before sending any", async () => {
    const { teacher, documentId } = await teacherWithPaper();
    const model = fakeModel("ok");
    const payload = { count: 2, difficulty: "easy" as const, topic: "trace", documentId };
    const old = {
      id: crypto.randomUUID(),
      orgId: teacher.orgId,
      ownerId: teacher.id,
      kind: "generate-questions" as const,
      lane: "normal" as const,
      payload,
      maxAttempts: 4,
    };
    await insertJob(db(), old);
    const { job } = await runToEnd(old.id, 20, { env: model.env });
    expect(job.status).toBe("completed");
    const reported = (await model.requests()).reduce((n, r) => n + r.totalTokens, 0);
    expect(await reservationsOf(old.id)).toEqual([expect.objectContaining({ status: "released", charged: reported })]);

    await chargeTokens(db(), { orgId: teacher.orgId, userId: teacher.id, amount: 1_000_000 });
    const spentModel = fakeModel("ok");
    const another = { ...old, id: crypto.randomUUID() };
    await insertJob(db(), another);
    const refused = await runToEnd(another.id, 20, { env: spentModel.env });
    expect(refused.job).toMatchObject({ status: "failed", error: { type: "/problems/quota-exceeded" } });
    expect(await spentModel.requests()).toEqual([]);
  });
});

describe("the shared gate counts what the endpoint sees", () => {
  it("under 500-then-200 faults, every HTTP request (retries included) took a place at the gate and carried max_tokens", async () => {
    const { teacher, documentId } = await teacherWithPaper();
    const model = fakeModel("flaky");
    const accepted = await json(
      await call("/v1/questions/generate", { token: teacher.token, body: { count: 3, difficulty: "easy", topic: "trace", documentId } }),
    );
    const { job } = await runToEnd(accepted.id, 20, { env: model.env });
    expect(job.status).toBe("completed");

    const seen = await model.requests();
    expect(seen.map((r) => r.status)).toEqual([500, 200]);
    for (const r of seen) expect(r.maxTokens).toBe(outputTokenBound("generateQuestions", 3));
    const gate = await runInDurableObject(env.LLM_GATE.getByName("global"), async (_, state) => state.storage.kv.get<GateState>("gate"));
    expect(gate!.log.filter((e) => e.org === teacher.orgId)).toHaveLength(seen.length);
    // Only the answered request is charged; the failed one cost nothing.
    expect(await spent(teacher.id)).toBe(seen[1]!.totalTokens);
  });
});
