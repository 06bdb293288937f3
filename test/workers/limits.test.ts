/** Rate limits are exact under concurrency and say so in their headers; quotas refuse with the usage. */

import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { loadConfig } from "@studyhall/core";
import { assertTokenQuota, chargeTokens } from "@studyhall/db";
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, newMember, newOrg, randomIp } from "../helpers/api.ts";
import { testDb } from "../helpers/test-db.ts";

describe("per-user rate limit on the general API", () => {
  it("lets exactly 120 of 130 concurrent requests through, each with the right headers", async () => {
    const admin = await newOrg();
    const responses = await Promise.all(Array.from({ length: 130 }, () => call("/v1/me", { token: admin.token })));
    const ok = responses.filter((r) => r.status === 200);
    const limited = responses.filter((r) => r.status === 429);
    expect(ok).toHaveLength(120);
    expect(limited).toHaveLength(10);

    // Every allowed request saw a distinct remaining count: 119 down to 0.
    const remaining = ok.map((r) => Number(r.headers.get("X-RateLimit-Remaining"))).sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: 120 }, (_, i) => i));
    for (const r of ok) {
      expect(r.headers.get("RateLimit-Policy")).toBe('"api";q=120;w=60');
      expect(r.headers.get("RateLimit")).toMatch(/^"api";r=\d+;t=\d+$/);
      expect(r.headers.get("X-RateLimit-Limit")).toBe("120");
      expect(Number(r.headers.get("X-RateLimit-Reset"))).toBeGreaterThan(0);
    }
    for (const r of limited) {
      const problem = await expectProblem(r, 429, "rate-limited");
      expect(problem.detail).toMatch(/120/);
      expect(Number(r.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
      expect(r.headers.get("X-RateLimit-Remaining")).toBe("0");
    }
  });

  it("one user's limit does not touch another's", async () => {
    const admin = await newOrg();
    const other = await newMember(admin, "student");
    await Promise.all(Array.from({ length: 125 }, () => call("/v1/me", { token: admin.token })));
    expect((await call("/v1/me", { token: other.token })).status).toBe(200);
  });

  it("state lives in the key's Durable Object and survives it being evicted from memory", async () => {
    const admin = await newOrg();
    await Promise.all(Array.from({ length: 10 }, () => call("/v1/me", { token: admin.token })));
    const stub = env.RATE_LIMITER.getByName(`user:${admin.id}:api`);
    // The object counts what it leased to the isolate: at least the ten requests made, never more than the limit.
    const counted = await runInDurableObject(stub, (_instance, state) =>
      (state.storage.kv.get<[number, number][]>("window") ?? []).reduce((sum, [, n]) => sum + n, 0),
    );
    expect(counted).toBeGreaterThanOrEqual(10);
    expect(counted).toBeLessThanOrEqual(120);
    await evictDurableObject(stub);
    const next = await call("/v1/me", { token: admin.token });
    expect(next.headers.get("X-RateLimit-Remaining")).toBe("109");
    // Had the evicted object forgotten its leases, more than the minute's 120 would get through.
    const rest = await Promise.all(Array.from({ length: 115 }, () => call("/v1/me", { token: admin.token })));
    expect(rest.filter((r) => r.status === 200)).toHaveLength(109);
    expect(rest.filter((r) => r.status === 429)).toHaveLength(6);
  });

  it("a key's storage is dropped once its window is empty, and not while a permit is still in it", async () => {
    const stub = env.RATE_LIMITER.getByName(`idle-test:${crypto.randomUUID()}`);
    const stored = () => runInDurableObject(stub, (_instance, state) => state.storage.kv.get<[number, number][]>("window"));
    for (let i = 0; i < 3; i++) expect((await stub.take({ limit: 5, periodMs: 1000 })).remaining).toBe(4 - i);
    // The one alarm the three calls share, fired early: the permits are still in their window.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await stored())?.length).toBeGreaterThan(0);
    expect((await stub.take({ limit: 5, periodMs: 1000 })).remaining).toBe(1);
    // The alarm set itself again for when the last permit leaves; once it has, the key is forgotten.
    await scheduler.wait(2100);
    // Run it now unless it already ran by itself.
    await runDurableObjectAlarm(stub);
    expect(await stored()).toBeUndefined();
    expect((await stub.take({ limit: 5, periodMs: 1000 })).remaining).toBe(4);
  });
});

describe("per-IP limit on unauthenticated routes", () => {
  it("lets exactly 20 sign-in attempts a minute through from one address", async () => {
    const ip = randomIp();
    const attempts = await Promise.all(
      Array.from({ length: 24 }, () => call("/v1/auth/login", { ip, body: { email: "nobody@example.test", password: "wrong password" } })),
    );
    expect(attempts.filter((r) => r.status === 401)).toHaveLength(20);
    const limited = attempts.filter((r) => r.status === 429);
    expect(limited).toHaveLength(4);
    expect(limited[0]!.headers.get("RateLimit-Policy")).toBe('"auth";q=20;w=60');
    // Another address is unaffected.
    expect(
      (await call("/v1/auth/login", { ip: randomIp(), body: { email: "nobody@example.test", password: "wrong password" } })).status,
    ).toBe(401);
  });
});

describe("monthly LLM token quota", () => {
  it("shows usage, refuses once spent with the usage and reset date, per user", async () => {
    const admin = await newOrg();
    const student = await newMember(admin, "student");
    const config = loadConfig(env);
    const db = testDb();
    const before = await json(await call("/v1/me/usage", { token: student.token }));
    expect(before).toMatchObject({ used: 0, limit: 100_000, remaining: 100_000, metric: "llm_tokens" });
    expect(Date.parse(before.resetsAt)).toBeGreaterThan(Date.now());

    await chargeTokens(db, { orgId: admin.orgId, userId: student.id, amount: 60_000 });
    await expect(assertTokenQuota(db, config, { id: student.id, role: "student" })).resolves.toMatchObject({ remaining: 40_000 });
    await chargeTokens(db, { orgId: admin.orgId, userId: student.id, amount: 40_000 });

    const refused = await assertTokenQuota(db, config, { id: student.id, role: "student" }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ type: "quota-exceeded", status: 429 });
    expect((refused as { extensions: { usage: { used: number; resetsAt: string } } }).extensions.usage).toMatchObject({
      used: 100_000,
      remaining: 0,
    });

    const after = await json(await call("/v1/me/usage", { token: student.token }));
    expect(after).toMatchObject({ used: 100_000, remaining: 0 });
    // The teacher's budget is separate and larger.
    expect(await json(await call("/v1/me/usage", { token: admin.token }))).toMatchObject({ used: 0, limit: 2_000_000 });
  });

  it("last month's usage does not count against this month", async () => {
    const admin = await newOrg();
    const db = testDb();
    const lastMonth = new Date();
    lastMonth.setUTCDate(1);
    lastMonth.setUTCMonth(lastMonth.getUTCMonth() - 1);
    await chargeTokens(db, { orgId: admin.orgId, userId: admin.id, amount: 5_000_000 }, lastMonth);
    expect(await json(await call("/v1/me/usage", { token: admin.token }))).toMatchObject({ used: 0 });
  });
});
