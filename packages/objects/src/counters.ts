/**
 * Platform-wide counters (cache hits and misses, and the like): one object
 * adds them up exactly, whichever isolate counted. Writers call it off the
 * request path (`waitUntil`), so counting never slows a response.
 */
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";

// A metric name, optionally with Prometheus labels: `http_requests_total{method="GET",status="200"}`.
const incrementInput = z.record(
  z
    .string()
    .regex(/^[a-z_][a-z0-9_:]*(\{[^\n{}]{0,400}\})?$/)
    .max(500),
  z.number().min(0).max(1e12),
);

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
