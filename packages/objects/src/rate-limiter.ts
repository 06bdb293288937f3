/**
 * One Durable Object per limited key (a user and route class, or a client IP).
 * An object runs its calls one at a time, so the sliding-window log it holds
 * is exact across every isolate and worker that shares the key.
 */
import { DurableObject } from "cloudflare:workers";
import { RATE_LIMITER_MAX_LIMIT, type RateDecision, slidingWindow } from "@studyhall/core";
import { z } from "zod";

// The configuration's rate limits are bounded by the same constant, so a limit that starts is a limit this accepts.
const takeInput = z.object({
  limit: z.number().int().positive().max(RATE_LIMITER_MAX_LIMIT),
  periodMs: z.number().int().positive().max(86_400_000),
  cost: z.number().int().positive().max(RATE_LIMITER_MAX_LIMIT).default(1),
});
export type TakeInput = z.input<typeof takeInput>;

export class RateLimiter extends DurableObject {
  // Kept in memory for speed and in storage so an evicted object forgets nothing.
  private log: number[] | undefined;

  /** Takes `cost` units under the given policy; a refused call consumes nothing. */
  async take(input: TakeInput): Promise<RateDecision> {
    const policy = takeInput.parse(input);
    this.log ??= this.ctx.storage.kv.get<number[]>("log") ?? [];
    const before = this.log.length;
    const decision = slidingWindow(policy, this.log, Date.now(), policy.cost);
    if (decision.allowed || this.log.length !== before) {
      this.ctx.storage.kv.put("log", this.log);
      // Forget the key once its window is empty: idle keys then cost no storage.
      const last = this.log.at(-1);
      if (last !== undefined) await this.ctx.storage.setAlarm(last + policy.periodMs + 1000);
    }
    return decision;
  }

  /** Fires a second after the newest entry has left its window: the log is empty, so drop it. */
  override async alarm(): Promise<void> {
    this.log = undefined;
    await this.ctx.storage.deleteAll();
  }
}
