/**
 * Counts every HTTP request the soak's simulated users make, by route class
 * and outcome. It wraps the global `fetch` once, so the shared e2e helpers
 * (studyhall-client.ts, session-client.ts, bench/teacher-accounts.ts) are
 * counted as they are, without a copy that takes a counter. A 5xx is kept
 * with its status and the problem document's `type` and `requestId`, which
 * is what an operator would look up in the logs.
 */

export type RouteClass = "auth" | "accounts" | "upload" | "jobs" | "courses" | "lessons" | "quizzes" | "sessions" | "other";

export interface ServerError {
  status: number;
  /** The problem document's `type`, or what the body was when it was not one. */
  type: string;
  count: number;
  /** The request id of the first one seen, to find it in the platform's logs. */
  firstRequestId: string;
  firstRoute: string;
}

export interface ClassCounts {
  requests: number;
  /** 4xx answers other than 429, by status. */
  clientErrors: Record<string, number>;
  rateLimited: number;
  serverErrors: number;
  /** The request never got an answer (connection refused or reset, aborted). */
  networkErrors: number;
}

const classes: RouteClass[] = ["auth", "accounts", "upload", "jobs", "courses", "lessons", "quizzes", "sessions", "other"];

/** Which class a request belongs to, by path and method, as a client would group them. */
export function routeClass(method: string, path: string): RouteClass {
  if (path.startsWith("/v1/auth/")) return "auth";
  if (path.startsWith("/v1/orgs/")) return "accounts";
  if (path.startsWith("/v1/documents") && method === "POST") return "upload";
  if (path.startsWith("/v1/jobs/")) return "jobs";
  if (/^\/v1\/courses\/[^/]+\/lessons\//.test(path)) return "lessons";
  if (path.startsWith("/v1/courses") || path.startsWith("/v1/catalogue") || path.startsWith("/v1/me")) return "courses";
  if (path.startsWith("/v1/quizzes/") || path.startsWith("/v1/attempts/")) return "quizzes";
  if (path.startsWith("/v1/sessions")) return "sessions";
  return "other";
}

/** What the requests looked like so far; `snapshot()` copies it for a report. */
export class Traffic {
  readonly byClass = new Map<RouteClass, ClassCounts>(
    classes.map((c) => [c, { requests: 0, clientErrors: {}, rateLimited: 0, serverErrors: 0, networkErrors: 0 }]),
  );
  readonly serverErrors = new Map<string, ServerError>();

  /** Replaces the global fetch with one that counts; returns the function that puts the original back. */
  install(base: string): () => void {
    const original = globalThis.fetch;
    const origin = new URL(base).origin;
    globalThis.fetch = async (input, init) => {
      // Read without building a Request, which would take hold of a streamed body.
      const url = new URL(input instanceof Request ? input.url : String(input));
      const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
      if (url.origin !== origin) return original(input, init);
      const route = routeClass(method, url.pathname);
      const counts = this.byClass.get(route)!;
      counts.requests++;
      let response: Response;
      try {
        response = await original(input, init);
      } catch (error) {
        counts.networkErrors++;
        throw error;
      }
      if (response.status === 429) counts.rateLimited++;
      else if (response.status >= 500) {
        counts.serverErrors++;
        await this.recordServerError(response.clone(), `${method} ${url.pathname}`);
      } else if (response.status >= 400) counts.clientErrors[response.status] = (counts.clientErrors[response.status] ?? 0) + 1;
      return response;
    };
    return () => {
      globalThis.fetch = original;
    };
  }

  private async recordServerError(response: Response, route: string): Promise<void> {
    const text = await response.text().catch(() => "");
    let type = "(no problem document)";
    let requestId = response.headers.get("X-Request-Id") ?? "";
    try {
      const problem = JSON.parse(text) as { type?: unknown; requestId?: unknown };
      if (typeof problem.type === "string") type = problem.type;
      if (typeof problem.requestId === "string") requestId = problem.requestId;
    } catch {
      // Not JSON: a 5xx that is not a problem document is itself worth seeing, so its start is kept.
      type = `(not a problem document: ${text.slice(0, 60).replace(/\s+/g, " ")})`;
    }
    const key = `${response.status} ${type}`;
    const seen = this.serverErrors.get(key);
    if (seen) seen.count++;
    else this.serverErrors.set(key, { status: response.status, type, count: 1, firstRequestId: requestId, firstRoute: route });
  }

  totals(): { requests: number; errors: number; serverErrors: number; rateLimited: number } {
    let requests = 0;
    let errors = 0;
    let serverErrors = 0;
    let rateLimited = 0;
    for (const c of this.byClass.values()) {
      requests += c.requests;
      const client = Object.values(c.clientErrors).reduce((a, b) => a + b, 0);
      errors += client + c.rateLimited + c.serverErrors + c.networkErrors;
      serverErrors += c.serverErrors;
      rateLimited += c.rateLimited;
    }
    return { requests, errors, serverErrors, rateLimited };
  }
}
