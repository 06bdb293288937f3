/**
 * One Durable Object per limited key (a user and route class, or a client IP).
 * An object runs its calls one at a time, so the window it holds is exact
 * across every isolate and worker that shares the key. Costly classes take
 * one request's permits per call (`take`); the general API limit leases
 * batches (`lease`) that an isolate spends without asking again (see
 * `@studyhall/core` rate-lease.ts for why a lease never lets more through).
 */
import { DurableObject } from "cloudflare:workers";
import { grantPermits, RATE_LIMITER_MAX_LIMIT, type RateDecision, type WindowEntry } from "@studyhall/core";
import { z } from "zod";

// The configuration's rate limits are bounded by the same constant, so a limit that starts is a limit this accepts.
const policyInput = {
  limit: z.number().int().positive().max(RATE_LIMITER_MAX_LIMIT),
  periodMs: z.number().int().positive().max(86_400_000),
};
const takeInput = z.object({ ...policyInput, cost: z.number().int().positive().max(RATE_LIMITER_MAX_LIMIT).default(1) });
const leaseInput = z.object({ ...policyInput, leaseMs: z.number().int().positive().max(60_000) });
export type TakeInput = z.input<typeof takeInput>;
export type LeaseInput = z.input<typeof leaseInput>;

/**
 * The share of what is still free that one lease takes. A quarter lets a handful of isolates each hold a
 * lease while the last permits go out one at a time, so none is stranded in an idle isolate near the limit.
 */
const LEASE_SHARE = 0.25;

export interface Lease extends RateDecision {
  /** Permits the caller may spend, until `leaseMs` after it asked. */
  granted: number;
}

export class RateLimiter extends DurableObject {
  // Kept in memory for speed and in storage so an evicted object forgets nothing.
  private window: WindowEntry[] | undefined;
  /** When the alarm that drops an idle key is set for (null: none); unknown until this instance asks. */
  private alarmAt: number | null | undefined;
  /** The period last written to storage, which the alarm needs to tell an idle key from a busy one. */
  private periodMs: number | undefined;

  /** Takes `cost` units under the given policy; a refused call consumes nothing. */
  async take(input: TakeInput): Promise<RateDecision> {
    const { limit, periodMs, cost } = takeInput.parse(input);
    const now = Date.now();
    const { granted: _, ...decision } = await this.grant({ limit, periodMs }, now, { min: cost, max: cost, at: now });
    return decision;
  }

  /**
   * Leases up to a quarter of what is free (at least one permit, or a refusal), counted as spent when the
   * lease ends so that any use within it stays inside the limit.
   */
  async lease(input: LeaseInput): Promise<Lease> {
    const { limit, periodMs, leaseMs } = leaseInput.parse(input);
    const now = Date.now();
    const window = this.load();
    let used = 0;
    for (const [at, n] of window) if (at > now - periodMs) used += n;
    const max = Math.max(1, Math.floor((limit - used) * LEASE_SHARE));
    return this.grant({ limit, periodMs }, now, { min: 1, max, at: now + leaseMs });
  }

  private load(): WindowEntry[] {
    if (this.window) return this.window;
    // Before leases the window was a log of one timestamp per request.
    const legacy = this.ctx.storage.kv.get<number[]>("log");
    this.window = this.ctx.storage.kv.get<WindowEntry[]>("window") ?? legacy?.map((at): WindowEntry => [at, 1]) ?? [];
    if (legacy) {
      this.ctx.storage.kv.put("window", this.window);
      this.ctx.storage.kv.delete("log");
    }
    return this.window;
  }

  private async grant(policy: { limit: number; periodMs: number }, now: number, request: Parameters<typeof grantPermits>[3]) {
    const window = this.load();
    const before = window.length;
    const grant = grantPermits(policy, window, now, request);
    if (grant.allowed || window.length !== before) {
      this.ctx.storage.kv.put("window", window);
      if (window.length) await this.dropWhenIdle(policy.periodMs);
    }
    return grant;
  }

  /**
   * Forget the key once its window is empty: idle keys then cost no storage. One alarm is set and it moves
   * itself on while the key is in use (see `alarm`), so a busy key does not write an alarm per call.
   */
  private async dropWhenIdle(periodMs: number): Promise<void> {
    if (this.periodMs !== periodMs) {
      this.ctx.storage.kv.put("periodMs", periodMs);
      this.periodMs = periodMs;
    }
    this.alarmAt ??= await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null) return;
    this.alarmAt = Date.now() + periodMs + 1000;
    await this.ctx.storage.setAlarm(this.alarmAt);
  }

  /** A second after the latest entry leaves its window the window is empty, so drop it; until then, wait on. */
  override async alarm(): Promise<void> {
    const last = this.load().at(-1);
    const periodMs = this.ctx.storage.kv.get<number>("periodMs") ?? 0;
    const idleAt = last ? last[0] + periodMs + 1000 : 0;
    if (idleAt > Date.now()) {
      this.alarmAt = idleAt;
      await this.ctx.storage.setAlarm(idleAt);
      return;
    }
    this.window = undefined;
    this.alarmAt = null;
    this.periodMs = undefined;
    await this.ctx.storage.deleteAll();
  }
}
