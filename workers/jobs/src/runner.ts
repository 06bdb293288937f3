/**
 * Runs one queue message's job: claim it, parse its payload with the job
 * contract's schema for its kind, run its handler with a context that renews
 * the lease at every progress report (and, between reports, a third of a lease
 * apart, so a handler waiting on a slow call is not mistaken for a dead one),
 * then commit the outcome before the
 * message is acknowledged. Whatever happens, the job row ends up saying so:
 * completed, retrying with backoff, deferred, cancelled, or failed (and
 * dead-lettered) with its error. A payload that does not parse fails at once.
 */
import {
  type Config,
  DeferJob,
  isJobKind,
  JobCancelled,
  type JobKind,
  type JobMessage,
  type JobPayload,
  LeaseLost,
  PermanentJobError,
  type ProgressPublisher,
  parseJobPayload,
  transientJobError,
} from "@studyhall/core";
import {
  cancelActive,
  claimJob,
  completeJob,
  type Db,
  deferJob,
  failJob,
  type Job,
  recordProgress,
  releaseReservations,
  renewLease,
  scheduleRetry,
} from "@studyhall/db";
import { jobUpdate } from "@studyhall/objects/bindings";

export interface JobContext {
  job: Job;
  db: Db;
  env: JobsEnv;
  config: Config;
  /** Reports progress, renews the lease and is the cancellation checkpoint. */
  progress(percent: number, stage: string): Promise<void>;
}

/** What runs a job of kind K: it receives the payload already parsed with the job contract's schema. */
export type JobHandler<K extends JobKind = JobKind> = (ctx: JobContext, payload: JobPayload<K>) => Promise<unknown>;

export interface Handler<K extends JobKind> {
  run: JobHandler<K>;
  /** Called once the job is failed or cancelled for good (when its payload parses). */
  settled?: (db: Db, job: Job, payload: JobPayload<K>) => Promise<void>;
}

/** A handler for every kind of the contract: a kind without one does not compile. */
export type JobHandlers = { [K in JobKind]: Handler<K> };

export interface RunnerDeps {
  db: Db;
  env: JobsEnv;
  config: Config;
  handlers: JobHandlers;
  publisher: ProgressPublisher;
  now?: () => number;
}

/** The handler and parsed payload of a job, in the one place that joins a kind to its payload's type. */
function dispatchOf(
  handlers: JobHandlers,
  job: Job,
): { ok: true; handler: Handler<JobKind>; payload: JobPayload<JobKind> } | { ok: false; error: PermanentJobError } {
  if (!isJobKind(job.kind))
    return {
      ok: false,
      error: new PermanentJobError("unknown-job-kind", "Unknown job kind", `No handler for jobs of kind "${job.kind}".`),
    };
  const parsed = parseJobPayload(job.kind, job.payload);
  if (!parsed.success)
    return {
      ok: false,
      error: new PermanentJobError(
        "bad-payload",
        "The job's input is invalid",
        "The job's stored input does not match what this kind of job needs; it will not be retried.",
        { cause: parsed.error },
      ),
    };
  return { ok: true, handler: handlers[job.kind] as Handler<JobKind>, payload: parsed.data };
}

/** What the caller should do: acknowledge, or send the job again after a delay (a new message, so waiting never counts as a delivery attempt). */
export type RunOutcome = "ack" | { retryInSeconds: number; lane: Job["lane"] };

const FINISHED = new Set(["completed", "failed", "cancelled"]);

/** Delay before retry `n` (1-based): base × 2^(n-1), plus up to 25 % jitter so retries don't stampede. */
export function backoffMs(config: Config, retry: number, random = Math.random): number {
  const base = config.JOB_BACKOFF_BASE_MS * 2 ** Math.max(0, retry - 1);
  return Math.round(base * (1 + 0.25 * random()));
}

/** An error as the log records it: its own words, which the job's visible error never carries. */
function raw(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  return { name: error.name, message: error.message, ...(error.cause !== undefined ? { cause: raw(error.cause) } : {}) };
}

function log(level: "info" | "error", msg: string, fields: Record<string, unknown>) {
  const line = JSON.stringify({ level, msg, ...fields });
  if (level === "error") console.error(line);
  else if (fields.quiet !== true) console.log(line);
}

/**
 * Tidies up after a job has ended: what it reserved and did not spend goes back
 * to its owner's quota, and its kind hears that it ended without success (a
 * course marks itself FAILED, say).
 */
export async function settle(handlers: RunnerDeps["handlers"], db: Db, job: Job | undefined): Promise<void> {
  if (!job || !FINISHED.has(job.status)) return;
  try {
    await releaseReservations(db, job.id);
  } catch (error) {
    // The quota already ignores reservations of finished jobs; this only tidies the rows.
    log("error", "releasing the job's token reservation failed", { jobId: job.id, error: String(error) });
  }
  if (job.status === "completed") return;
  const dispatch = dispatchOf(handlers, job);
  if (!dispatch.ok) return;
  try {
    await dispatch.handler.settled?.(db, job, dispatch.payload);
  } catch (error) {
    log("error", "settle hook failed", { jobId: job.id, error: String(error) });
  }
}

async function publish(deps: RunnerDeps, job: Job | undefined): Promise<void> {
  await settle(deps.handlers, deps.db, job);
  if (!job) return;
  try {
    await deps.publisher.publish(jobUpdate(job, (deps.now ?? Date.now)()));
  } catch (error) {
    // Live progress is best effort; the job row is the truth.
    log("error", "progress publish failed", { jobId: job.id, error: String(error) });
  }
}

async function deadLetter(env: JobsEnv, job: Job): Promise<void> {
  try {
    await env.JOBS_DEAD.send({ jobId: job.id, kind: job.kind });
  } catch (error) {
    log("error", "dead-letter send failed; the job is failed regardless", { jobId: job.id, error: String(error) });
  }
}

/** Runs the job a message points at. Never throws for a job failure: the outcome is in D1. */
export async function runJob(message: JobMessage, deps: RunnerDeps): Promise<RunOutcome> {
  const { db, env, config } = deps;
  const now = deps.now ?? Date.now;
  const leaseMs = config.JOB_LEASE_SECONDS * 1000;
  const claim = await claimJob(db, message.jobId, leaseMs, now());

  if (!claim.claimed) {
    switch (claim.reason) {
      case "missing":
      case "finished":
        // A redelivered or duplicate message for a job that is done (or was deleted): nothing to do.
        return "ack";
      case "cancelled":
        await publish(deps, claim.job);
        return "ack";
      case "busy":
        // Another consumer holds a live lease. If it dies, the sweep resends once the lease expires.
        return "ack";
      case "not-yet":
        // Waiting, not failing: the job keeps its attempts and a new message asks again later.
        return { retryInSeconds: Math.ceil(claim.retryInMs / 1000), lane: claim.lane };
      case "parked":
        // Held: parked with no message in flight until the resume sends it.
        return "ack";
    }
  }

  const { job, leaseToken } = claim;
  log("info", "job started", { jobId: job.id, kind: job.kind, attempt: job.attempts, quiet: config.APP_ENV === "test" });
  await publish(deps, job);

  // A job that keeps killing its consumer (no failure was ever recorded) must still end.
  if (job.attempts > job.maxAttempts) {
    const failed = await failJob(db, job.id, leaseToken, {
      type: "/problems/job-crashed",
      title: "The job stopped its worker too many times",
      detail: `The worker stopped while running this job ${job.attempts - 1} times without reporting an error.`,
      retryable: false,
    });
    await publish(deps, failed);
    if (failed) await deadLetter(env, failed);
    return "ack";
  }

  const dispatch = dispatchOf(deps.handlers, job);
  if (!dispatch.ok) return failUnrunnable(dispatch.error, job, leaseToken, deps);
  const ctx: JobContext = {
    job,
    db,
    env,
    config,
    async progress(percent, stage) {
      const checkpoint = await recordProgress(db, job.id, leaseToken, percent, stage, leaseMs, now());
      if (!checkpoint.held) throw new LeaseLost();
      await publish(deps, checkpoint.job);
      if (checkpoint.cancelRequested) throw new JobCancelled();
    },
  };

  const heartbeat = keepLease(db, job.id, leaseToken, leaseMs, now);
  try {
    const result = await dispatch.handler.run(ctx, dispatch.payload);
    heartbeat.stop();
    const done = await completeJob(db, job.id, leaseToken, result ?? null, now());
    if (!done) log("error", "job finished after its lease was lost; result kept, state untouched", { jobId: job.id });
    await publish(deps, done);
    return "ack";
  } catch (error) {
    heartbeat.stop();
    return settleFailure(error, job, leaseToken, deps);
  }
}

/**
 * Renews a running job's lease a third of a lease apart until stopped. Progress reports renew it too, but a
 * handler can go longer than a lease without one (a model taking minutes to answer), and a lease that lapses
 * while its consumer still works lets the sweep hand the job to a second consumer: the work, and its cost,
 * would then be done twice. A renewal that finds the lease gone stops; the next progress report ends the run.
 */
function keepLease(db: Db, jobId: string, leaseToken: string, leaseMs: number, now: () => number): { stop(): void } {
  const timer = setInterval(
    () => {
      renewLease(db, jobId, leaseToken, leaseMs, now())
        .then((held) => {
          if (!held) clearInterval(timer);
        })
        .catch((error: unknown) => log("error", "lease renewal failed; trying again", { jobId, error: String(error) }));
    },
    Math.max(250, Math.floor(leaseMs / 3)),
  );
  return { stop: () => clearInterval(timer) };
}

/**
 * A job that can never run as stored (its payload does not fit its kind, or no handler knows its kind): it
 * fails at once, spends no retry, and goes to the dead-letter queue, which records it there.
 */
async function failUnrunnable(error: PermanentJobError, job: Job, leaseToken: string, deps: RunnerDeps): Promise<RunOutcome> {
  const failed = await failJob(deps.db, job.id, leaseToken, error.toJobError(), (deps.now ?? Date.now)());
  log("error", "job cannot run as stored", { jobId: job.id, kind: job.kind, type: error.type, error: raw(error.cause ?? error) });
  await publish(deps, failed);
  if (failed) await deadLetter(deps.env, failed);
  return "ack";
}

async function settleFailure(error: unknown, job: Job, leaseToken: string, deps: RunnerDeps): Promise<RunOutcome> {
  const { db, env, config } = deps;
  const now = (deps.now ?? Date.now)();

  if (error instanceof LeaseLost) return "ack";
  if (error instanceof JobCancelled) {
    const cancelled = await cancelActive(db, job.id, leaseToken, now);
    await publish(deps, cancelled);
    return "ack";
  }
  if (error instanceof DeferJob) {
    const deferred = await deferJob(db, job.id, leaseToken, now + error.retryAfterMs, error.reason, now);
    await publish(deps, deferred);
    return deferred ? { retryInSeconds: Math.ceil(error.retryAfterMs / 1000), lane: job.lane } : "ack";
  }
  if (error instanceof PermanentJobError) {
    const failed = await failJob(db, job.id, leaseToken, error.toJobError(), now);
    // What went wrong underneath (a provider's answer, say) is logged here and nowhere a user looks.
    if (error.cause !== undefined) log("error", "job failed permanently", { jobId: job.id, type: error.type, error: raw(error.cause) });
    else log("info", "job failed permanently", { jobId: job.id, type: error.type, quiet: config.APP_ENV === "test" });
    await publish(deps, failed);
    return "ack";
  }

  log("error", "job attempt failed", { jobId: job.id, kind: job.kind, attempt: job.attempts, error: raw(error) });
  const attempt = { attempt: job.attempts, maxAttempts: Math.min(job.maxAttempts, config.JOB_MAX_RETRIES + 1) };
  if (job.attempts <= config.JOB_MAX_RETRIES && job.attempts < job.maxAttempts) {
    const delay = backoffMs(config, job.attempts);
    const retrying = await scheduleRetry(
      db,
      job.id,
      leaseToken,
      transientJobError(error, { ...attempt, retryInMs: delay }),
      now + delay,
      now,
    );
    await publish(deps, retrying);
    return retrying ? { retryInSeconds: Math.ceil(delay / 1000), lane: job.lane } : "ack";
  }
  const failed = await failJob(db, job.id, leaseToken, transientJobError(error, attempt), now);
  await publish(deps, failed);
  if (failed) await deadLetter(env, failed);
  return "ack";
}
