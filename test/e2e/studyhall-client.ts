/**
 * What the end-to-end tests and the benchmarks do over HTTP, as any client
 * would: sign in, upload a PDF, follow a job by polling or over Server-Sent
 * Events, read JSON. No test framework in here, so `npm run bench` (plain
 * Node) can use it too.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { readSse, type SseEvent } from "../../packages/client/src/sse.ts";

/** The shared corpus of real PDFs, beside the repository. */
export const CORPUS_DIR = new URL("../../../shared/corpus/pdfjs/", import.meta.url);

export const demoTeacher = { email: "teacher@demo.studyhall.test", password: "demo-teacher-password" };

/** PDF bytes, typed so that fetch accepts them as a body. */
export type PdfBytes = Uint8Array<ArrayBuffer>;

export async function corpusPdf(name: string): Promise<PdfBytes> {
  // A path, not a URL object: this file is also type-checked with the Workers types, whose URL Node's fs does not take.
  return new Uint8Array(await readFile(fileURLToPath(new URL(name, CORPUS_DIR).href)));
}

/** A job as `GET /v1/jobs/{id}` shows it (the fields the tests read). */
export interface JobView {
  id: string;
  kind: string;
  status: "queued" | "active" | "completed" | "failed" | "cancelled" | string;
  progress: number;
  stage: string;
  attempts: number;
  error: unknown;
  result: Record<string, unknown> | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface AcceptedUpload {
  document: { id: string; title: string; status: string; sha256: string };
  job: JobView;
  links: { document: string; status: string; progress: string };
}

const FINISHED = new Set(["completed", "failed", "cancelled"]);

/** Reads a JSON response, failing with the body when the status is not the expected one. */
export async function expectJson<T>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`${response.url}: expected ${status}, got ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

export async function getJson<T>(base: string, path: string, token: string): Promise<T> {
  return expectJson<T>(await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } }));
}

export async function postJson<T>(
  base: string,
  path: string,
  body: unknown,
  options: { token?: string; status?: number; headers?: Record<string, string> } = {},
): Promise<T> {
  const headers: Record<string, string> = { "Content-Type": "application/json", ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  return expectJson<T>(await fetch(`${base}${path}`, { method: "POST", headers, body: JSON.stringify(body) }), options.status ?? 200);
}

/** A random client address, so the per-IP sign-in limit of one test never touches another's (as test/helpers/api.ts does). */
export function randomIp(): string {
  const b = crypto.getRandomValues(new Uint8Array(3));
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

/**
 * Signs in and returns the access token. Sign-ins are limited per client IP and every test talks to the
 * platform from this one machine, so each sign-in says it comes from its own address (CF-Connecting-IP,
 * which the API trusts as Cloudflare's) unless `ip` is given.
 */
export async function signIn(base: string, account: { email: string; password: string }, ip = randomIp()): Promise<string> {
  const session = await postJson<{ tokens: { accessToken: string } }>(base, "/v1/auth/login", account, {
    headers: { "CF-Connecting-IP": ip },
  });
  return session.tokens.accessToken;
}

/** `POST /v1/documents` with a raw PDF body; `query` like "?title=x&generate=false". */
export async function uploadPdf(base: string, token: string, bytes: PdfBytes, query = ""): Promise<Response> {
  return fetch(`${base}/v1/documents${query}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/pdf" },
    body: bytes,
  });
}

/** A copy of a PDF with a different hash: a comment line after `%%EOF` keeps it a valid PDF. */
export function uniquePdf(bytes: Uint8Array, tag: string): PdfBytes {
  const suffix = new TextEncoder().encode(`\n%studyhall ${tag}\n`);
  const copy = new Uint8Array(bytes.length + suffix.length);
  copy.set(bytes);
  copy.set(suffix, bytes.length);
  return copy;
}

export interface FollowOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** Polls `GET /v1/jobs/{id}` until the job ends; returns it and every progress value seen, in order. */
export async function pollJob(
  base: string,
  token: string,
  jobId: string,
  options: FollowOptions = {},
): Promise<{ job: JobView; progress: number[] }> {
  const deadline = Date.now() + (options.timeoutMs ?? 100_000);
  const progress: number[] = [];
  for (;;) {
    const response = await fetch(`${base}/v1/jobs/${jobId}`, { headers: { Authorization: `Bearer ${token}` } });
    if (response.status === 429 && Date.now() < deadline) {
      // Polling counts against the per-user API limit like any request; wait as told.
      await response.arrayBuffer();
      await new Promise((r) => setTimeout(r, 1000 * Number(response.headers.get("Retry-After") ?? 1)));
      continue;
    }
    const job = await expectJson<JobView>(response);
    progress.push(job.progress);
    if (FINISHED.has(job.status)) return { job, progress };
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not finish in time: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 1000));
  }
}

/** Reads `GET /v1/jobs/{id}/events` to its end: every event, and the jobs its `progress` events carried. */
export async function streamJob(
  base: string,
  token: string,
  jobId: string,
  options: FollowOptions = {},
): Promise<{ events: SseEvent[]; jobs: JobView[]; contentType: string | null }> {
  const response = await fetch(`${base}/v1/jobs/${jobId}/events`, {
    headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" },
    signal: AbortSignal.timeout(options.timeoutMs ?? 100_000),
  });
  if (response.status !== 200) throw new Error(`events of ${jobId}: ${response.status} ${await response.text()}`);
  const events: SseEvent[] = [];
  for await (const event of readSse(response)) {
    events.push(event);
    if (event.event === "end") break;
  }
  const jobs = events.filter((e) => e.event === "progress").map((e) => JSON.parse(e.data) as JobView);
  return { events, jobs, contentType: response.headers.get("Content-Type") };
}

/**
 * Waits until the job satisfies `done`, and returns it the moment it is seen. It follows
 * `GET /v1/jobs/{id}/events`, so a test acting on a job's state (killing the platform while it runs, say)
 * acts within milliseconds of the job reaching it, and polls `GET /v1/jobs/{id}` beside it, so a state
 * that was stored but whose event was missed (a subscription made just after it) is seen all the same.
 * @throws when the job finishes without satisfying `done`, or in time, with the last state seen.
 */
export async function untilJob(
  base: string,
  token: string,
  jobId: string,
  done: (job: JobView) => boolean,
  options: FollowOptions = {},
): Promise<JobView> {
  const abort = new AbortController();
  let last: JobView | undefined;
  const seen = (job: JobView): JobView | undefined => {
    last = job;
    if (done(job)) return job;
    if (FINISHED.has(job.status)) throw new Error(`job ${jobId} finished before it was seen as asked: ${JSON.stringify(job)}`);
    return undefined;
  };
  const followed = async (): Promise<JobView> => {
    const response = await fetch(`${base}/v1/jobs/${jobId}/events`, {
      headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" },
      signal: abort.signal,
    });
    if (response.status !== 200) throw new Error(`events of ${jobId}: ${response.status} ${await response.text()}`);
    for await (const event of readSse(response)) {
      if (event.event !== "progress") continue;
      const job = seen(JSON.parse(event.data) as JobView);
      if (job) return job;
    }
    // The stream ended (a reconnect is the client's to make): the polling goes on alone.
    return new Promise<never>(() => {});
  };
  const polled = async (): Promise<JobView> => {
    for (;;) {
      const response = await fetch(`${base}/v1/jobs/${jobId}`, { headers: { Authorization: `Bearer ${token}` }, signal: abort.signal });
      if (response.status === 200) {
        const job = seen((await response.json()) as JobView);
        if (job) return job;
      } else await response.arrayBuffer();
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
    }
  };
  const timeoutMs = options.timeoutMs ?? 100_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`job ${jobId} was not seen as asked in ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([followed(), polled(), expired]);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}
