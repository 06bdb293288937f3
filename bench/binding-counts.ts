/**
 * How many binding calls one request of each benchmarked route makes on its
 * response path, as the API counts them (X-Binding-Calls, on the bench's
 * platform only: workers/api/src/middleware/binding-calls.ts), beside what
 * the floor's version of the route makes by construction.
 */
import { grid } from "./compare.ts";

export interface RouteProbe {
  route: string;
  /** The floor's calls for the same work (it makes exactly these, no more). */
  floor: string;
  /** Sends one request of the route; the counting header is added here. */
  send(headers: Record<string, string>): Promise<Response>;
}

export interface RouteCount {
  route: string;
  status: number;
  response: string;
  deferred: string;
  floor: string;
}

/**
 * Counts one request of each probe. `warmUp` runs, uncounted, before each one: a request of the same user, so
 * the counted one finds that user's general API permits leased, as every request in steady use does. Without
 * it, a user whose last lease has ended (RATE_LIMIT_LEASE_SECONDS) shows the one lease call their first
 * request waits for (`do=1`), which says nothing about the route.
 * @example
 * const counts = await countBindingCalls([{ route: "GET /healthz", floor: "none", send: (h) => fetch(url, { headers: h }) }]);
 */
export async function countBindingCalls(probes: readonly RouteProbe[], warmUp?: () => Promise<unknown>): Promise<RouteCount[]> {
  const counts: RouteCount[] = [];
  for (const probe of probes) {
    await warmUp?.();
    const response = await probe.send({ "X-Count-Binding-Calls": "1" });
    await response.arrayBuffer();
    counts.push({
      route: probe.route,
      status: response.status,
      response: response.headers.get("X-Binding-Calls") ?? "not reported",
      deferred: response.headers.get("X-Binding-Calls-Deferred") ?? "not reported",
      floor: probe.floor,
    });
  }
  return counts;
}

export function bindingCountTable(counts: readonly RouteCount[]): string {
  return grid("binding calls per request (one request each, counted by the API on the bench's platform)", [
    ["route", "status", "response path", "handed to waitUntil", "floor"],
    ...counts.map((c) => [c.route, String(c.status), c.response, c.deferred, c.floor]),
  ]);
}
