import { describe, expect, it } from "vitest";
import { grantPermits, type WindowEntry } from "./rate-lease.ts";

const policy = { limit: 10, periodMs: 60_000 };

describe("grantPermits", () => {
  it("grants what is free up to the request's most, then refuses and consumes nothing", () => {
    const window: WindowEntry[] = [];
    expect(grantPermits(policy, window, 0, { min: 1, max: 8, at: 10_000 })).toMatchObject({ granted: 8, remaining: 2 });
    expect(grantPermits(policy, window, 1, { min: 1, max: 8, at: 10_001 })).toMatchObject({ granted: 2, remaining: 0 });
    const refused = grantPermits(policy, window, 2, { min: 1, max: 8, at: 10_002 });
    expect(refused).toMatchObject({ allowed: false, granted: 0, remaining: 0 });
    expect(window.reduce((sum, [, n]) => sum + n, 0)).toBe(10);
  });

  it("counts a lease's permits until a full period after the lease ends, so a permit spent at its end never lets an 11th through", () => {
    const window: WindowEntry[] = [];
    grantPermits(policy, window, 0, { min: 10, max: 10, at: 10_000 });
    // Spent at 10 s, the lease's end: the window of the minute up to 69.999 s still holds them.
    expect(grantPermits(policy, window, 69_999, { min: 1, max: 1, at: 69_999 }).allowed).toBe(false);
    expect(grantPermits(policy, window, 70_000, { min: 1, max: 1, at: 70_000 })).toMatchObject({ allowed: true, remaining: 9 });
  });

  it("tells a refused caller when enough permits leave the window for its cost", () => {
    const window: WindowEntry[] = [];
    grantPermits(policy, window, 0, { min: 4, max: 4, at: 0 });
    grantPermits(policy, window, 30_000, { min: 6, max: 6, at: 30_000 });
    // Five permits are needed back: only once the six counted at 30 s leave (at 90 s) are there enough.
    expect(grantPermits(policy, window, 40_000, { min: 5, max: 5, at: 40_000 })).toMatchObject({ allowed: false, retryAfterSeconds: 50 });
    expect(grantPermits(policy, window, 40_000, { min: 4, max: 4, at: 40_000 })).toMatchObject({ allowed: false, retryAfterSeconds: 20 });
  });
});
