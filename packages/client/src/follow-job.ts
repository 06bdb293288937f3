/**
 * Following a job until it finishes: live over `GET /v1/jobs/{id}/events`
 * (Server-Sent Events over fetch, so the bearer token travels in a header),
 * whose first event is the job's current state; reopened if the stream ends
 * early (the API closes long streams); and by polling `GET /v1/jobs/{id}` when
 * no stream can be opened at all (a proxy that buffers, an old runtime).
 */
import { z } from "zod";
import { StudyhallProblemError } from "./problem-error.ts";
import { readSse } from "./sse.ts";

export const finishedStatuses: ReadonlySet<string> = new Set(["completed", "failed", "cancelled"]);

/**
 * The fields of a job this client relies on, checked on every update that
 * crosses the wire; the rest passes through as the API sent it.
 */
const jobFieldsSchema = z.looseObject({
  id: z.string(),
  kind: z.string(),
  status: z.enum(["queued", "active", "completed", "failed", "cancelled"]),
  progress: z.number(),
  stage: z.string(),
});

export interface FollowJobOptions {
  signal?: AbortSignal;
  /** How often to poll when the event stream cannot be opened (ms). Default 1000. */
  pollIntervalMs?: number;
  /** Told why the client polls instead of streaming. */
  onFallback?: (reason: unknown) => void;
}

export interface FollowJobDeps {
  /** Opens the event stream (throws if it cannot be opened). */
  openEvents(jobId: string, signal?: AbortSignal): Promise<Response>;
  /** `GET /v1/jobs/{id}`'s body. */
  getJob(jobId: string, signal?: AbortSignal): Promise<unknown>;
}

/** Empty streams in a row after which the client stops reopening and polls. */
const MAX_EMPTY_STREAMS = 3;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Resolves with the job once its status is completed, failed or cancelled,
 * calling `onUpdate` with each new state on the way (the first call is its
 * current state). A failed job resolves too: check `status` and `error`.
 */
export async function followJob<Job>(
  deps: FollowJobDeps,
  jobId: string,
  onUpdate?: (job: Job) => void,
  options: FollowJobOptions = {},
): Promise<Job> {
  const { signal } = options;
  let last: z.infer<typeof jobFieldsSchema> | undefined;
  const report = (data: unknown) => {
    const job = jobFieldsSchema.parse(data);
    if (!last || last.progress !== job.progress || last.status !== job.status || last.stage !== job.stage) onUpdate?.(job as Job);
    last = job;
    return job;
  };

  let emptyStreams = 0;
  let fallbackReason: unknown;
  while (emptyStreams < MAX_EMPTY_STREAMS) {
    let response: Response;
    try {
      response = await deps.openEvents(jobId, signal);
      const type = response.headers.get("Content-Type") ?? "";
      if (!type.startsWith("text/event-stream")) {
        await response.body?.cancel().catch(() => undefined);
        throw new Error(`the event stream answered ${type || "no content type"}`);
      }
    } catch (error) {
      if (signal?.aborted) throw error;
      // Polling cannot help a job that is not there or not yours.
      if (error instanceof StudyhallProblemError && [401, 403, 404].includes(error.status)) throw error;
      fallbackReason = error;
      break;
    }
    let events = 0;
    for await (const event of readSse(response)) {
      events++;
      if (event.event === "progress") report(JSON.parse(event.data));
      else if (event.event === "end") {
        // The last progress event normally carries the finished job; if not, ask for it.
        if (last && finishedStatuses.has(last.status)) return last as Job;
        return report(await deps.getJob(jobId, signal)) as Job;
      }
    }
    if (signal?.aborted) throw signal.reason;
    if (last && finishedStatuses.has(last.status)) return last as Job;
    emptyStreams = events === 0 ? emptyStreams + 1 : 0;
    fallbackReason = new Error("the event stream kept closing without events");
  }

  options.onFallback?.(fallbackReason);
  for (;;) {
    try {
      const job = report(await deps.getJob(jobId, signal));
      if (finishedStatuses.has(job.status)) return job as Job;
    } catch (error) {
      // Polling counts against the API rate limit like any request: wait as told and go on.
      if (!(error instanceof StudyhallProblemError && error.type === "rate-limited") || signal?.aborted) throw error;
      await sleep(1000 * (error.retryAfter ?? 1), signal);
      continue;
    }
    await sleep(options.pollIntervalMs ?? 1000, signal);
  }
}
