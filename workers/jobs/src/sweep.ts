/**
 * The jobs worker's part in recovery. The JobSweeper object's alarm sweeps
 * every `JOB_SWEEP_INTERVAL_SECONDS`; this worker's cron (every minute, on
 * Cloudflare only: `wrangler dev` never fires it) sweeps too, as a backstop,
 * and makes sure the object's alarm is set, as the queue handler does once per
 * isolate. Both sweeps are the one function in packages/db (job-sweep.ts).
 */
import type { Config } from "@studyhall/core";
import { type Db, type LaneQueues, sweepJobs } from "@studyhall/db";

export { ensureSweeper } from "@studyhall/objects/bindings";

/** The cron's sweep: every job whose message is gone, sent again; returns their ids. */
export function sweep(db: Db, queues: LaneQueues, config: Config, now = Date.now()): Promise<string[]> {
  return sweepJobs(db, queues, config, { now });
}
