/**
 * Sliding-window log: no more than `limit` requests in any window of
 * `periodMs`. It is exact (unlike a counter per fixed window, which lets twice
 * the limit through across a boundary) and, with one Durable Object holding a
 * key's log, it holds across every isolate and worker. A log of at most
 * `limit` timestamps is small for the per-minute limits we use.
 */

export interface RatePolicy {
  /** Requests allowed per window. */
  limit: number;
  /** Window length in milliseconds. */
  periodMs: number;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Requests that could still be made right now. */
  remaining: number;
  /** Seconds until the oldest counted request leaves the window (a slot frees). */
  resetSeconds: number;
  /** Seconds to wait before a retry can succeed (0 when allowed). */
  retryAfterSeconds: number;
}

/**
 * Decides one request of `cost` units at `now` against `log`, the times of the
 * requests already counted, oldest first. Mutates `log`: drops expired
 * entries and, when allowed, appends this request.
 * @example slidingWindow({ limit: 120, periodMs: 60_000 }, log, Date.now())
 */
export function slidingWindow(policy: RatePolicy, log: number[], now: number, cost = 1): RateDecision {
  const horizon = now - policy.periodMs;
  let expired = 0;
  while (expired < log.length && log[expired]! <= horizon) expired++;
  if (expired) log.splice(0, expired);

  const allowed = log.length + cost <= policy.limit;
  if (allowed) for (let i = 0; i < cost; i++) log.push(now);
  const remaining = Math.max(0, policy.limit - log.length);
  const secondsUntil = (t: number) => Math.max(1, Math.ceil((t + policy.periodMs - now) / 1000));
  // When refused, a retry succeeds once enough of the oldest entries have expired to fit `cost`.
  const blocking = log[Math.max(0, log.length + cost - policy.limit - 1)];
  return {
    allowed,
    limit: policy.limit,
    remaining,
    resetSeconds: log.length ? secondsUntil(log[0]!) : 0,
    retryAfterSeconds: allowed || blocking === undefined ? 0 : secondsUntil(blocking),
  };
}
