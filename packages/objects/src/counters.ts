/**
 * Platform-wide counters (cache hits and misses, and the like): one object
 * adds them up exactly, whichever isolate counted. Writers call it off the
 * request path (`waitUntil`), so counting never slows a response.
 */
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";

const incrementInput = z.record(z.string().regex(/^[a-z0-9_:.-]{1,100}$/), z.number().int().min(0).max(1_000_000));

export class Counters extends DurableObject {
  /** Adds to named counters. */
  async increment(deltas: Record<string, number>): Promise<void> {
    const parsed = incrementInput.parse(deltas);
    for (const [name, by] of Object.entries(parsed)) {
      this.ctx.storage.kv.put(name, (this.ctx.storage.kv.get<number>(name) ?? 0) + by);
    }
  }

  /** Every counter's value. */
  async snapshot(): Promise<Record<string, number>> {
    return Object.fromEntries(this.ctx.storage.kv.list<number>());
  }
}
