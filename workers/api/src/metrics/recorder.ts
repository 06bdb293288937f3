/**
 * Request metrics, counted in the isolate and added to the global Counters
 * object at most once a second (off the response path), so counting costs a
 * request nothing and the object sees one call per isolate per second, not
 * one per request.
 */

export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
const FLUSH_EVERY_MS = 1000;

let buffer = new Map<string, number>();
let lastFlush = 0;

const label = (value: string) => value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");

function add(name: string, by = 1) {
  buffer.set(name, (buffer.get(name) ?? 0) + by);
}

/** Counts one request by route template, method and status, with its latency. */
export function recordRequest(route: string, method: string, status: number, ms: number): void {
  const labels = `route="${label(route)}",method="${method}"`;
  add(`http_requests_total{${labels},status="${status}"}`);
  add(`http_request_duration_ms_sum{${labels}}`, ms);
  add(`http_request_duration_ms_count{${labels}}`);
  for (const bucket of LATENCY_BUCKETS_MS) if (ms <= bucket) add(`http_request_duration_ms_bucket{${labels},le="${bucket}"}`);
  add(`http_request_duration_ms_bucket{${labels},le="+Inf"}`);
}

/** Counts a lesson read served from the KV cache (`hit`) or not. */
export function recordLessonCache(hit: boolean): void {
  add(hit ? "lesson_cache_hits" : "lesson_cache_misses");
}

export function recordRateLimited(routeClass: string): void {
  add(`rate_limit_rejections_total{class="${label(routeClass)}"}`);
}

/** Sends what was counted to the Counters object when a second has passed, or at once with `force`. */
export async function flushMetrics(env: ApiEnv, force = false): Promise<void> {
  const now = Date.now();
  if (!buffer.size || (!force && now - lastFlush < FLUSH_EVERY_MS)) return;
  const batch = Object.fromEntries(buffer);
  buffer = new Map();
  lastFlush = now;
  try {
    await env.COUNTERS.getByName("global").increment(batch);
  } catch (error) {
    // Metrics are best effort: a lost second of counts must never fail a request.
    console.error(JSON.stringify({ level: "error", msg: "metrics flush failed", error: String(error) }));
  }
}
