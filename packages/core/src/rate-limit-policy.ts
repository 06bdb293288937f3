/**
 * GCRA (generic cell rate algorithm): a leaky bucket kept as one number, the
 * theoretical arrival time. It allows `limit` requests at once and then one per
 * `periodMs / limit`, which is exact when one Durable Object holds the state.
 */

export interface RatePolicy {
  /** Requests allowed per period. */
  limit: number;
  /** Period in milliseconds. */
  periodMs: number;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Requests that could still be made right now. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds to wait before a retry can succeed (0 when allowed). */
  retryAfterSeconds: number;
  /** The new theoretical arrival time to store (unchanged when refused). */
  tat: number;
}

/**
 * Decides one request of `cost` units at `now` given the stored `tat`.
 * @example gcra({ limit: 120, periodMs: 60_000 }, 0, Date.now())
 */
export function gcra(policy: RatePolicy, tat: number, now: number, cost = 1): RateDecision {
  const interval = policy.periodMs / policy.limit;
  const start = Math.max(tat, now);
  const next = start + interval * cost;
  const allowAt = next - policy.periodMs;
  if (allowAt > now) {
    const backlog = start - now;
    return {
      allowed: false,
      limit: policy.limit,
      remaining: Math.max(0, Math.floor((policy.periodMs - backlog) / interval + 1e-9)),
      resetSeconds: Math.ceil(backlog / 1000),
      retryAfterSeconds: Math.max(1, Math.ceil((allowAt - now) / 1000)),
      tat,
    };
  }
  const backlog = next - now;
  return {
    allowed: true,
    limit: policy.limit,
    remaining: Math.max(0, Math.floor((policy.periodMs - backlog) / interval + 1e-9)),
    resetSeconds: Math.ceil(backlog / 1000),
    retryAfterSeconds: 0,
    tat: next,
  };
}
