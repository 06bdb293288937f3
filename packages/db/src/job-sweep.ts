/**
 * The sweep: sends again every job whose message is gone — written but never
 * sent (the send failed after the D1 write), sent but never taken, sent before
 * a queue that keeps its messages in memory restarted, or held by a consumer
 * whose lease expired (it died mid-way). The JobSweeper object's alarm runs it
 * every `JOB_SWEEP_INTERVAL_SECONDS`, and the jobs worker's cron every minute
 * as a backstop; both call this one function.
 *
 * A job sent twice is harmless: its message carries only the id, and the
 * claim is one conditional update (job-lifecycle.ts `claimJob`), so whatever
 * state a duplicate finds, at most one consumer runs the job. A queued job
 * that is due is taken by the first message and the rest find it active; an
 * active job under lease is "busy" and the message comes back after the lease;
 * a job still waiting out a retry delay is "not yet" and comes back then; a
 * finished, cancelled or missing job acknowledges the message and does nothing;
 * a held lane's job waits for the resume.
 */
import type { Config } from "@studyhall/core";
import type { Db } from "./index.ts";
import { markSent } from "./job-lifecycle.ts";
import { jobsToResend, type LaneQueues, sendJob } from "./job-queue.ts";

/** The settings a sweep reads. */
export type SweepConfig = Pick<Config, "JOB_UNSENT_AFTER_SECONDS" | "JOB_STALE_AFTER_SECONDS">;

export interface SweepOptions {
  now?: number;
  /** Resend queued jobs sent before this instant too: their messages were in a queue that lost them. */
  lostBefore?: number;
}

/**
 * Sends every job whose message must be sent again, notes that it went, and returns their ids.
 * @example
 * const resent = await sweepJobs(openDb(env.DB), laneQueues(env), loadConfig(env));
 */
export async function sweepJobs(db: Db, queues: LaneQueues, config: SweepConfig, options: SweepOptions = {}): Promise<string[]> {
  const now = options.now ?? Date.now();
  const due = await jobsToResend(
    db,
    {
      unsentAfterMs: config.JOB_UNSENT_AFTER_SECONDS * 1000,
      staleAfterMs: config.JOB_STALE_AFTER_SECONDS * 1000,
      lostBefore: options.lostBefore,
    },
    now,
  );
  const sent: string[] = [];
  for (const job of due) if (await sendJob(queues, job)) sent.push(job.id);
  await markSent(db, sent, now);
  return sent;
}
