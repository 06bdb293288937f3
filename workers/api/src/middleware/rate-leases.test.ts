/**
 * Leased permits for the general API limit: a key in steady use has its next
 * lease asked for before the current one ends, off the response path, so no
 * request waits for the limiter object when a lease runs out; and the permits
 * spent never exceed what the object granted.
 */
import type { RateDecision } from "@studyhall/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type LeaseSource, spendLeased } from "./rate-leases.ts";

const LEASE_MS = 10_000;
const policy = { limit: 1000, periodMs: 60_000, leaseMs: LEASE_MS };

/** A limiter object that grants a quarter of what is free, as the real one does, and records each call. */
function limiter() {
  let free = policy.limit;
  const calls: number[] = [];
  const source: LeaseSource = {
    async lease() {
      calls.push(Date.now());
      const granted = Math.max(1, Math.floor(free / 4));
      free -= granted;
      return { allowed: true, granted, limit: policy.limit, remaining: free, resetSeconds: 60, retryAfterSeconds: 0 };
    },
  };
  return { source: () => source, calls, granted: () => policy.limit - free };
}

/** Spends one permit at `at`; says whether the request had to wait for the object. */
async function spendAt(key: string, at: number, object: ReturnType<typeof limiter>, background: Promise<unknown>[]) {
  vi.spyOn(Date, "now").mockReturnValue(at);
  const before = object.calls.length;
  const handedOver = background.length;
  const decision: RateDecision = await spendLeased(key, object.source, { ...policy, waitUntil: (promise) => background.push(promise) });
  // A call the request made without handing it to waitUntil is a wait on its response path.
  const waited = object.calls.length > before && background.length === handedOver;
  return { decision, waited };
}

afterEach(() => vi.restoreAllMocks());

describe("leased API permits", () => {
  it("renew before the lease ends, so the request after its end does not wait for the object", async () => {
    const key = `lease-test:${crypto.randomUUID()}`;
    const object = limiter();
    const t0 = 1_000_000;
    const first = await spendAt(key, t0, object, []);
    expect(first.waited).toBe(true); // The very first request of a key has nothing leased yet.
    expect(first.decision.allowed).toBe(true);

    // Early in the lease: spent locally, nothing asked of the object.
    const early: Promise<unknown>[] = [];
    expect((await spendAt(key, t0 + 2_000, object, early)).waited).toBe(false);
    expect(early).toHaveLength(0);
    expect(object.calls).toHaveLength(1);

    // In its last quarter: still spent locally, and the next lease is asked for in the background.
    const late: Promise<unknown>[] = [];
    expect((await spendAt(key, t0 + 8_000, object, late)).waited).toBe(false);
    expect(late).toHaveLength(1);
    await Promise.all(late);
    expect(object.calls).toHaveLength(2);

    // After the first lease ended, the second one pays, with no call to the object.
    const after: Promise<unknown>[] = [];
    const next = await spendAt(key, t0 + LEASE_MS + 500, object, after);
    expect(next).toMatchObject({ waited: false, decision: { allowed: true } });
    expect(object.calls).toHaveLength(2);
  });

  it("never spends more than the object granted", async () => {
    const key = `lease-test:${crypto.randomUUID()}`;
    const object = limiter();
    const background: Promise<unknown>[] = [];
    let allowed = 0;
    for (let i = 0; i < 400; i++) {
      const { decision } = await spendAt(key, 2_000_000 + i * 40, object, background);
      if (decision.allowed) allowed++;
      await Promise.all(background.splice(0));
    }
    expect(allowed).toBe(400);
    expect(object.granted()).toBeGreaterThanOrEqual(allowed);
    expect(object.granted()).toBeLessThanOrEqual(policy.limit);
  });

  it("a request waiting on a lease call that never settles (its request ended) asks the object itself", async () => {
    const key = `lease-test:${crypto.randomUUID()}`;
    const object = limiter();
    let calls = 0;
    // The first call is dropped with the request that made it: it never settles.
    const source = (): LeaseSource => ({
      lease: (input) => (++calls === 1 ? new Promise(() => {}) : object.source().lease(input)),
    });
    const options = { ...policy, waitMs: 50, waitUntil: () => {} };
    const stranded = spendLeased(key, source, options);
    const decision = await spendLeased(key, source, options);
    expect(decision.allowed).toBe(true);
    expect(calls).toBe(2);
    // The first request's own wait ends the same way, and later requests spend what the second call leased.
    await expect(stranded).resolves.toMatchObject({ allowed: true });
    await expect(spendLeased(key, source, options)).resolves.toMatchObject({ allowed: true });
    expect(calls).toBe(2);
  });
});
