/**
 * The rate limiter's window as counted batches of permits, so one entry can
 * stand for a lease of many. An isolate that leases `n` permits spends them
 * locally until the lease ends; the window counts them as spent at that end
 * (`at`), the latest moment any of them can be used, so every request a lease
 * pays for stays counted for a full period after it was made and the limit
 * holds exactly however the lease is spent. An exact per-request take is the
 * same call with one request's cost, counted now.
 */
import type { RateDecision, RatePolicy } from "./rate-limit-policy.ts";

/** `n` permits counted until `at + periodMs`; a window is a list of these, earliest `at` first. */
export type WindowEntry = [at: number, n: number];

export interface PermitRequest {
  /** Fewest permits worth granting: fewer free than this refuses and consumes nothing. */
  min: number;
  /** Most permits to grant. */
  max: number;
  /** When the granted permits count as spent: now for a take, the lease's end for a lease. */
  at: number;
}

export interface PermitGrant extends RateDecision {
  /** Permits granted: 0 when refused, else from `min` to `max`. */
  granted: number;
}

/**
 * Grants between `min` and `max` permits from a window at `now`, or none. Mutates `window`: drops entries
 * that left it and, when granting, inserts the grant in order.
 * @example grantPermits({ limit: 120, periodMs: 60_000 }, window, Date.now(), { min: 1, max: 30, at: Date.now() + 10_000 })
 */
export function grantPermits(policy: RatePolicy, window: WindowEntry[], now: number, request: PermitRequest): PermitGrant {
  const horizon = now - policy.periodMs;
  let expired = 0;
  while (expired < window.length && window[expired]![0] <= horizon) expired++;
  if (expired) window.splice(0, expired);

  let used = 0;
  for (const [, n] of window) used += n;
  const free = Math.max(0, policy.limit - used);
  const granted = free >= request.min ? Math.min(free, request.max) : 0;
  if (granted) insert(window, [request.at, granted]);
  const secondsUntil = (t: number) => Math.max(1, Math.ceil((t + policy.periodMs - now) / 1000));
  return {
    allowed: granted > 0,
    granted,
    limit: policy.limit,
    remaining: free - granted,
    resetSeconds: window.length ? secondsUntil(window[0]![0]) : 0,
    retryAfterSeconds: granted ? 0 : secondsUntil(blockingEntry(window, used + request.min - policy.limit)),
  };
}

/** When enough of the earliest permits have left the window to free `needed`. */
function blockingEntry(window: WindowEntry[], needed: number): number {
  let freed = 0;
  for (const [at, n] of window) {
    freed += n;
    if (freed >= needed) return at;
  }
  return window.at(-1)?.[0] ?? 0;
}

function insert(window: WindowEntry[], entry: WindowEntry): void {
  let i = window.length;
  while (i > 0 && window[i - 1]![0] > entry[0]) i--;
  if (i > 0 && window[i - 1]![0] === entry[0]) window[i - 1]![1] += entry[1];
  else window.splice(i, 0, entry);
}
