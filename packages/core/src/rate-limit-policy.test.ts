import { describe, expect, it } from "vitest";
import { slidingWindow } from "./rate-limit-policy.ts";

const policy = { limit: 5, periodMs: 60_000 };

describe("slidingWindow", () => {
  it("allows `limit` requests, then refuses until the oldest leaves the window", () => {
    const log: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = slidingWindow(policy, log, 1_000 + i * 1_000);
      expect(d).toMatchObject({ allowed: true, remaining: 4 - i });
    }
    const refused = slidingWindow(policy, log, 10_000);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 51, resetSeconds: 51 });
    expect(log).toHaveLength(5);
    expect(slidingWindow(policy, log, 60_999).allowed).toBe(false);
    expect(slidingWindow(policy, log, 61_000)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it("never lets more than `limit` through in any window, across a minute boundary", () => {
    const log: number[] = [];
    const allowedAt: number[] = [];
    for (let t = 0; t < 180_000; t += 250) if (slidingWindow(policy, log, t).allowed) allowedAt.push(t);
    for (const start of allowedAt) {
      expect(allowedAt.filter((t) => t >= start && t < start + policy.periodMs).length).toBeLessThanOrEqual(5);
    }
    expect(allowedAt).toHaveLength(15);
  });

  it("a request costing more than one unit waits for enough room", () => {
    const log: number[] = [];
    slidingWindow(policy, log, 0, 4);
    expect(slidingWindow(policy, log, 1, 2)).toMatchObject({ allowed: false, remaining: 1 });
    expect(slidingWindow(policy, log, 2, 1)).toMatchObject({ allowed: true, remaining: 0 });
  });
});
