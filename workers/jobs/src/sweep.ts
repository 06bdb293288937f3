/**
 * The jobs worker's part in recovery. The JobSweeper object's alarm sweeps
 * every `JOB_SWEEP_INTERVAL_SECONDS`; this worker's cron (every minute, on
 * Cloudflare only: `wrangler dev` never fires it) sweeps too, as a backstop,
 * and makes sure the object's alarm is set, as the queue handler does once per
 * isolate. Both sweeps are the one function in packages/db (job-sweep.ts).
 */
import type { Config } from "@studyhall/core";
import { type Db, type LaneQueues, sweepJobs } from "@studyhall/db";
import { JOB_SWEEPER_NAME, objects } from "@studyhall/objects/bindings";

/** The cron's sweep: every job whose message is gone, sent again; returns their ids. */
export function sweep(db: Db, queues: LaneQueues, config: Config, now = Date.now()): Promise<string[]> {
  return sweepJobs(db, queues, config, { now });
}

let ensured: Promise<void> | undefined;

/**
 * Makes sure the JobSweeper's alarm is set (it sweeps at once if it just started). Never throws: the
 * cron sweeps anyway, and a failed call is tried again on the next one.
 */
export function ensureSweeper(env: JobsEnv, options: { everyTime?: boolean } = {}): Promise<void> {
  if (ensured && !options.everyTime) return ensured;
  // Called from an async function: a binding that is missing or refuses the call at once is logged like any failed call.
  const call = (async () => objects(env).jobSweeper.getByName(JOB_SWEEPER_NAME).ensure())().then(
    () => undefined,
    (error: unknown) => {
      if (ensured === call) ensured = undefined;
      console.error(JSON.stringify({ level: "error", msg: "could not reach the job sweeper", error: String(error) }));
    },
  );
  ensured = call;
  return call;
}
