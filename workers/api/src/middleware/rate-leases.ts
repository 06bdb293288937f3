/**
 * The general API limit without a Durable Object round trip per request: the
 * isolate leases a batch of permits from the key's RateLimiter object (a
 * quarter of what is free, so a few isolates share the budget and the last
 * permits go out one call at a time) and spends them in memory. A lease ends
 * `leaseMs` after it was asked for; the object counts its permits as spent at
 * that end, so the limit holds exactly. When a lease runs low, or is in its
 * last quarter, the next one is asked for off the response path; only a
 * request that finds no permit left waits for the object, which near the limit
 * is every request, as before.
 *
 * The headers' remaining count is what the object had free after the latest
 * lease plus what this isolate still holds: exact with one isolate; with
 * several it may count permits another isolate has since spent, and it is
 * right again at that isolate's next lease. Permits an isolate leased and did
 * not spend before its lease ended stay counted until they leave the window:
 * a caller may be refused up to that many requests early, never let through late.
 */
import type { RateDecision } from "@studyhall/core";

interface Batch {
  left: number;
  /** The isolate may spend these until then (measured from when it asked, so never after the object's end). */
  until: number;
}

interface KeyLeases {
  batches: Batch[];
  /** What the object had free after granting the latest lease. */
  free: number;
  /** When the oldest permit counted for the key leaves the window, as of the latest lease. */
  resetAt: number;
  /** Size of the latest lease: a refill is asked for when the batches hold less than half of it. */
  lastGrant: number;
  pending: Promise<RateDecision> | undefined;
}

export interface LeaseSource {
  lease(input: { limit: number; periodMs: number; leaseMs: number }): Promise<RateDecision & { granted: number }>;
}

export interface SpendOptions {
  limit: number;
  periodMs: number;
  leaseMs: number;
  /** How long a request waits for a lease call another request made before making its own (LEASE_WAIT_MS). */
  waitMs?: number;
  /** Where a refill asked for ahead of need runs, off the response path. */
  waitUntil: (promise: Promise<unknown>) => void;
}

/**
 * A lease call belongs to the request that made it: if that request ends first (its client went away), the
 * runtime drops the call with it and the call never settles. A request waiting on another's call gives up
 * after this long and asks the object itself.
 */
export const LEASE_WAIT_MS = 5_000;

const leases = new Map<string, KeyLeases>();
/** Keys kept before the ones whose batches have all ended are forgotten. */
const PRUNE_ABOVE = 5_000;

/**
 * Spends one permit of `key`, leasing more from `source` when this isolate holds none.
 * @example const decision = await spendLeased(`user:${id}:api`, () => env.RATE_LIMITER.getByName(key), { limit, periodMs, leaseMs, waitUntil });
 */
export async function spendLeased(key: string, source: () => LeaseSource, options: SpendOptions): Promise<RateDecision> {
  const id = `${key}|${options.limit}|${options.periodMs}`;
  let state = leases.get(id);
  if (!state) {
    if (leases.size > PRUNE_ABOVE) prune(Date.now());
    state = { batches: [], free: 0, resetAt: 0, lastGrant: 0, pending: undefined };
    leases.set(id, state);
  }
  // Each lease grants at least one permit or refuses, so this ends: at the limit, with a refusal.
  for (;;) {
    const now = Date.now();
    const spent = spendLocal(state, now, options.limit);
    if (spent) {
      if ((held(state) * 2 < state.lastGrant || endsSoon(state, now, options.leaseMs)) && state.free > 0 && !state.pending) {
        options.waitUntil(refill(state, source, options).catch(() => undefined));
      }
      return spent;
    }
    const refused = await awaitLease(state, source, options);
    if (refused && !refused.allowed) return { ...refused, remaining: 0 };
  }
}

/**
 * The latest batch ends within a quarter of a lease: the next one is asked for now, off the response path,
 * so a key in steady use never has a request wait for the object when its lease ends.
 */
function endsSoon(state: KeyLeases, now: number, leaseMs: number): boolean {
  const latest = state.batches.at(-1);
  return latest !== undefined && latest.until - now < leaseMs / 4;
}

function held(state: KeyLeases): number {
  let left = 0;
  for (const batch of state.batches) left += batch.left;
  return left;
}

function spendLocal(state: KeyLeases, now: number, limit: number): RateDecision | undefined {
  state.batches = state.batches.filter((b) => b.left > 0 && b.until > now);
  // The batch that ends first is spent first, so fewer permits are left to lapse.
  const batch = state.batches[0];
  if (!batch) return undefined;
  batch.left--;
  return {
    allowed: true,
    limit,
    remaining: state.free + held(state),
    resetSeconds: Math.max(1, Math.ceil((state.resetAt - now) / 1000)),
    retryAfterSeconds: 0,
  };
}

/**
 * Waits for the key's lease call. One that does not settle in `waitMs` is given up (undefined): the caller
 * looks again for a permit, which a newer call may have brought, and otherwise makes a call of its own.
 */
async function awaitLease(state: KeyLeases, source: () => LeaseSource, options: SpendOptions): Promise<RateDecision | undefined> {
  const shared = refill(state, source, options);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gaveUp = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, options.waitMs ?? LEASE_WAIT_MS, undefined);
  });
  try {
    const decision = await Promise.race([shared, gaveUp]);
    if (decision) return decision;
  } finally {
    clearTimeout(timer);
  }
  if (state.pending === shared) state.pending = undefined;
  return undefined;
}

/** One lease call per key at a time: requests that find no permit meanwhile wait for the same one. */
function refill(state: KeyLeases, source: () => LeaseSource, options: SpendOptions): Promise<RateDecision> {
  if (state.pending) return state.pending;
  let call: Promise<RateDecision> | undefined;
  call = (async () => {
    const asked = Date.now();
    try {
      const lease = await source().lease({ limit: options.limit, periodMs: options.periodMs, leaseMs: options.leaseMs });
      state.free = lease.remaining;
      state.resetAt = asked + lease.resetSeconds * 1000;
      if (lease.granted) {
        state.lastGrant = lease.granted;
        state.batches.push({ left: lease.granted, until: asked + options.leaseMs });
        state.batches.sort((a, b) => a.until - b.until);
      }
      return lease;
    } finally {
      // A call given up on may settle after a newer one started: only its own end clears the slot.
      if (state.pending === call) state.pending = undefined;
    }
  })();
  state.pending = call;
  return call;
}

function prune(now: number): void {
  for (const [id, state] of leases) {
    if (!state.pending && state.batches.every((b) => b.until <= now)) leases.delete(id);
  }
}
