/**
 * One load run with autocannon (its programmatic API), the one load
 * generator the bench points at studyhall and at the floor alike: closed-loop
 * connections for a fixed duration, each connection with its own headers
 * (one user per connection) and, for uploads, a fresh body per request; and
 * `sideBySide`, which runs both sides twice, in an order that favours neither.
 */
import autocannon from "autocannon";
import { sumCounts } from "./stats.ts";

export interface LoadOptions {
  url: string;
  method?: "GET" | "POST";
  connections: number;
  durationSeconds: number;
  /** Headers of connection `i` (its user's token, say); the same for every request it makes. */
  headersFor?: (connection: number) => Record<string, string>;
  /** A new body for each request (uploads must differ, or dedupe would answer). */
  nextBody?: () => Buffer;
}

export interface LoadFigures {
  requests: number;
  /** Requests per second, averaged over the run. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Count by status code, and "errors" for connection errors and timeouts. */
  statuses: Record<string, number>;
}

/**
 * @example
 * const figures = await load({ url: `${base}/healthz`, connections: 64, durationSeconds: 10 });
 */
export async function load(options: LoadOptions): Promise<LoadFigures> {
  let connection = 0;
  const result = await autocannon({
    url: options.url,
    method: options.method ?? "GET",
    connections: options.connections,
    duration: options.durationSeconds,
    // A slow answer is a figure, not a failure: only a hung request counts as an error.
    timeout: 60,
    setupClient(client) {
      const headers = options.headersFor?.(connection++) ?? {};
      const next = options.nextBody;
      if (next) {
        client.setHeadersAndBody(headers, next());
        client.on("response", () => client.setBody(next()));
      } else {
        client.setHeaders(headers);
      }
    },
  });
  const statuses: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = Number(count ?? 0);
  // Connection errors, timeouts included.
  if (result.errors) statuses.errors = result.errors;
  // A run in which nothing was answered has no latency to show (autocannon reports 0).
  const answered = result.requests.total > 0;
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50Ms: answered ? result.latency.p50 : Number.NaN,
    p99Ms: answered ? result.latency.p99 : Number.NaN,
    statuses,
  };
}

/** `200×640, 429×3`: what the run was answered with. */
export const statusSummary = (statuses: Record<string, number>) =>
  Object.entries(statuses)
    .map(([code, n]) => `${code}×${n}`)
    .join(", ") || "nothing answered within the run";

/** The order of `sideBySide`'s runs: a speed that drifts steadily through them weighs on both sides alike. */
const ORDER = ["studyhall", "floor", "floor", "studyhall"] as const;

/**
 * Runs studyhall and the floor twice each, studyhall, floor, floor, studyhall, and gives each side its two runs
 * pooled by `pool` (`pooledLoad` for load runs). This machine's speed moves by tens of percent from one minute to the
 * next; one run of each side, always in the same order, would put that drift into the ratio.
 * @example const [studyhall, floor] = await sideBySide("lesson read", () => load(a), () => load(b), console.error, pooledLoad);
 */
export async function sideBySide<T>(
  name: string,
  studyhall: () => Promise<T>,
  floor: () => Promise<T>,
  log: (line: string) => void,
  pool: (runs: T[]) => T,
): Promise<[T, T]> {
  const runs: Record<(typeof ORDER)[number], T[]> = { studyhall: [], floor: [] };
  for (const [i, side] of ORDER.entries()) {
    log(`  ${name}: ${side} (run ${i + 1} of ${ORDER.length})…`);
    runs[side].push(await (side === "studyhall" ? studyhall : floor)());
  }
  return [pool(runs.studyhall), pool(runs.floor)];
}

/** Load runs as one: rates and latencies are the runs' means, requests and statuses their sums. */
export function pooledLoad(runs: LoadFigures[]): LoadFigures {
  const mean = (of: (run: LoadFigures) => number) => runs.reduce((sum, run) => sum + of(run), 0) / runs.length;
  return {
    requests: runs.reduce((sum, run) => sum + run.requests, 0),
    rps: mean((run) => run.rps),
    p50Ms: mean((run) => run.p50Ms),
    p99Ms: mean((run) => run.p99Ms),
    statuses: sumCounts(runs.map((run) => run.statuses)),
  };
}
