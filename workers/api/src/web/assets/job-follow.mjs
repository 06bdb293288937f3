/**
 * Following a job until it ends. The live way: a single-use ticket
 * (POST /v1/jobs/{id}/ticket) opens the job's Server-Sent Events stream with
 * a plain EventSource, since EventSource cannot send an Authorization header.
 * If the ticket or the stream fails, polling GET /v1/jobs/{id} takes over, so
 * progress is shown either way.
 */
import { ApiError, api, isAbort } from "./api.mjs";

/** @typedef {import("./api-shapes.d.ts").Job} Job */
/** @typedef {import("./api-shapes.d.ts").JobTicket} JobTicket */

const FINISHED = new Set(["completed", "failed", "cancelled"]);
const POLL_MS = 1000;

/**
 * @param {number} ms
 * @param {AbortSignal} [signal]
 * @returns {Promise<void>}
 */
const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("Stopped following the job.", "AbortError"));
    });
  });

/**
 * @param {string} jobId
 * @param {(job: Job) => void} onUpdate
 * @param {AbortSignal} [signal]
 * @returns {Promise<Job | null>} the last state the stream sent
 */
function viaEvents(jobId, onUpdate, signal) {
  return new Promise((resolve, reject) => {
    api(`/v1/jobs/${encodeURIComponent(jobId)}/ticket`, { method: "POST", signal })
      .then((/** @type {JobTicket} */ { links }) => {
        const source = new EventSource(links.events);
        /** @type {Job | null} */
        let last = null;
        const stop = () => source.close();
        signal?.addEventListener("abort", () => {
          stop();
          reject(new DOMException("Stopped following the job.", "AbortError"));
        });
        source.addEventListener("progress", (event) => {
          /** @type {Job} */
          let job;
          try {
            job = JSON.parse(event.data);
          } catch {
            return;
          }
          last = job;
          onUpdate(job);
        });
        source.addEventListener("end", () => {
          stop();
          resolve(last);
        });
        // A stream that drops before `end` cannot be resumed with a spent ticket: the caller polls instead.
        source.addEventListener("error", () => {
          stop();
          reject(new Error("The live stream closed early."));
        });
      })
      .catch(reject);
  });
}

/**
 * @param {string} jobId
 * @param {(job: Job) => void} onUpdate
 * @param {AbortSignal} [signal]
 * @returns {Promise<Job>}
 */
async function viaPolling(jobId, onUpdate, signal) {
  for (;;) {
    try {
      /** @type {Job} */
      const job = await api(`/v1/jobs/${encodeURIComponent(jobId)}`, { signal });
      onUpdate(job);
      if (FINISHED.has(job.status)) return job;
      await sleep(POLL_MS, signal);
    } catch (error) {
      if (error instanceof ApiError && error.status === 429) await sleep((error.retryAfter ?? 2) * 1000, signal);
      else throw error;
    }
  }
}

/**
 * Calls `onUpdate(job)` with each new state and resolves with the finished job.
 * @example const job = await followJob(id, (j) => (bar.value = j.progress), { signal });
 * @param {string} jobId
 * @param {(job: Job) => void} onUpdate
 * @param {{ signal?: AbortSignal }} [options]
 * @returns {Promise<Job>}
 */
export async function followJob(jobId, onUpdate, { signal } = {}) {
  try {
    const last = await viaEvents(jobId, onUpdate, signal);
    if (last && FINISHED.has(last.status)) return last;
  } catch (error) {
    if (isAbort(error)) throw error;
  }
  return viaPolling(jobId, onUpdate, signal);
}
