/**
 * A per-isolate memo for the operational endpoints' aggregates (/metrics,
 * /readyz). Each key is computed at most once per window, and callers that
 * arrive while it is being computed share that one computation: a flood of
 * scrapes or probes costs the database one aggregate per window per isolate,
 * not one per request. A computation that throws is forgotten at once, so the
 * next caller tries again.
 */

export interface Memoised<T> {
  value: T;
  /** When the computation began, ms since the epoch. */
  at: number;
  /** False for the one caller whose request ran the computation. */
  hit: boolean;
}

interface Entry<T> {
  at: number;
  value: Promise<T>;
}

export interface WindowedMemo<T> {
  get(key: string, compute: () => Promise<T>, now?: number): Promise<Memoised<T>>;
}

/**
 * @example
 * const memo = windowedMemo<string>(15_000);
 * const { value, hit } = await memo.get(`org:${orgId}`, () => render(db, orgId));
 */
export function windowedMemo<T>(windowMs: number, maxKeys = 1000): WindowedMemo<T> {
  const entries = new Map<string, Entry<T>>();

  function evict(now: number) {
    for (const [key, entry] of entries) if (now - entry.at >= windowMs) entries.delete(key);
    // Still full of fresh keys (one per organisation): the oldest go first, so memory stays bounded.
    while (entries.size >= maxKeys) entries.delete(entries.keys().next().value!);
  }

  return {
    async get(key, compute, now = Date.now()) {
      const fresh = entries.get(key);
      if (fresh && now - fresh.at < windowMs) return { value: await fresh.value, at: fresh.at, hit: true };
      evict(now);
      const entry: Entry<T> = { at: now, value: compute() };
      entries.set(key, entry);
      try {
        return { value: await entry.value, at: entry.at, hit: false };
      } catch (error) {
        if (entries.get(key) === entry) entries.delete(key);
        throw error;
      }
    },
  };
}

/** The headers that show a memoised answer for what it is: `X-Cache: HIT|MISS` and its `Age` in seconds. */
export function memoHeaders(result: Memoised<unknown>, now = Date.now()): Record<string, string> {
  return {
    "X-Cache": result.hit ? "HIT" : "MISS",
    Age: String(Math.max(0, Math.floor((now - result.at) / 1000))),
    "Cache-Control": "no-store",
  };
}
