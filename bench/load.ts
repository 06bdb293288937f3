/**
 * One load run with autocannon (its programmatic API), the one load
 * generator the bench points at studyhall and at the floor alike: closed-loop
 * connections for a fixed duration, each connection with its own headers
 * (one user per connection) and, for uploads, a fresh body per request.
 */
import autocannon from "autocannon";

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
