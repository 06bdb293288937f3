/**
 * One Durable Object per limited key (a user and route class, or a client IP).
 * A single object processes its calls one at a time, so the GCRA state it holds
 * is exact across every isolate and worker that shares the key.
 */
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { gcra, type RateDecision } from "@studyhall/core";

const takeInput = z.object({
  limit: z.number().int().positive().max(1_000_000),
  periodMs: z.number().int().positive().max(86_400_000),
  cost: z.number().int().positive().max(1_000_000).default(1),
});
export type TakeInput = z.input<typeof takeInput>;

export class RateLimiter extends DurableObject {
  // Kept in memory and in storage: memory answers fast, storage survives eviction.
  private tat: number | undefined;

  /** Takes `cost` units under the given policy; refused calls consume nothing. */
  async take(input: TakeInput): Promise<RateDecision> {
    const policy = takeInput.parse(input);
    if (this.tat === undefined) this.tat = this.ctx.storage.kv.get<number>("tat") ?? 0;
    const now = Date.now();
    const decision = gcra(policy, this.tat, now, policy.cost);
    if (decision.allowed) {
      this.tat = decision.tat;
      this.ctx.storage.kv.put("tat", decision.tat);
      // Forget idle keys: once the bucket is full again the state carries no information.
      await this.ctx.storage.setAlarm(decision.tat + 1000);
    }
    return decision;
  }

  override async alarm(): Promise<void> {
    if ((this.tat ?? 0) <= Date.now()) {
      this.tat = undefined;
      await this.ctx.storage.deleteAll();
    }
  }
}
