/**
 * The platform's one job sweeper (`JOB_SWEEPER.getByName(JOB_SWEEPER_NAME)`): its
 * alarm runs the sweep (packages/db `sweepJobs`) every
 * `JOB_SWEEP_INTERVAL_SECONDS` and sets the next one, so lost and abandoned
 * jobs are recovered wherever the platform runs. A cron trigger alone is not
 * enough: `wrangler dev` never fires one. The jobs worker's cron still sweeps
 * every minute on Cloudflare, as a backstop should the alarm chain break.
 *
 * Nothing has to start it by hand: the API worker calls `ensure()` once per
 * isolate, off the response path, and the jobs worker from its cron and
 * queue handlers. `ensure()` sets the alarm only if none is set, so any
 * number of calls leave one schedule. The first `ensure()` (or alarm) after
 * this object starts sweeps at once: its in-memory state is fresh, so the
 * platform may have just restarted, and whatever died with it should not wait
 * a whole interval.
 *
 * Where the queue keeps its messages in memory (locally, every `APP_ENV` but
 * `production`), a restart loses every message sent but not yet taken, and the
 * rows still say they were sent. So the start-up sweep also resends queued jobs
 * sent before this object started. On Cloudflare, Queues keep messages
 * durably across any restart of ours, so it does not: resending would only
 * double the traffic after every eviction. Either way a job sent twice is
 * harmless, since only one consumer can claim it (see packages/db job-sweep.ts).
 */
import { DurableObject } from "cloudflare:workers";
import { ConfigError, loadConfig, writeLog } from "@studyhall/core";
import { laneQueues, sweepJobs, withDb } from "@studyhall/db";

/** While the configuration cannot be read, the sweeper looks again this often. */
const MISCONFIGURED_RECHECK_MS = 60_000;

/** What `ensure()` reports: when the next sweep is due, and what the start-up sweep resent if this call ran it. */
export interface SweeperState {
  nextSweepAt: number;
  resent: string[];
}

export class JobSweeper extends DurableObject<Cloudflare.Env> {
  /** When this instance started; with an in-memory queue, every message sent before it may be gone. */
  private readonly startedAt = Date.now();
  /** The start-up sweep, once begun; cleared again if it failed, so the next call tries once more. */
  private startup: Promise<string[] | undefined> | undefined;
  /** The read-and-set of the alarm that concurrent `ensure()` calls are waiting on, if one is under way. */
  private scheduling: Promise<number> | undefined;

  /** Makes sure sweeps are scheduled; the first call after start-up also sweeps at once. */
  async ensure(): Promise<SweeperState> {
    const first = this.startup === undefined;
    const resent = await this.startUp();
    // Calls that arrive together share one read-and-set, so they cannot each see no alarm and each set their own.
    this.scheduling ??= this.schedule().finally(() => {
      this.scheduling = undefined;
    });
    const nextSweepAt = await this.scheduling;
    return { nextSweepAt, resent: first ? (resent ?? []) : [] };
  }

  /** The alarm already set, or a new one an interval from now. */
  private async schedule(): Promise<number> {
    const scheduled = await this.ctx.storage.getAlarm();
    if (scheduled !== null) return scheduled;
    const at = Date.now() + this.intervalMs();
    await this.ctx.storage.setAlarm(at);
    return at;
  }

  /** Sweeps (the start-up sweep, if no call ran it yet) and sets the next alarm, whatever the sweep met. */
  override async alarm(): Promise<void> {
    if (this.startup === undefined) await this.startUp();
    else await this.sweep(false);
    await this.ctx.storage.setAlarm(Date.now() + this.intervalMs());
  }

  private startUp(): Promise<string[] | undefined> {
    if (this.startup === undefined) {
      const running = this.sweep(true);
      this.startup = running;
      void running.then((resent) => {
        if (resent === undefined && this.startup === running) this.startup = undefined;
      });
    }
    return this.startup;
  }

  /** One sweep; resolves to the ids it resent, or undefined if it could not run (logged, never thrown). */
  private async sweep(startUp: boolean): Promise<string[] | undefined> {
    const config = this.config();
    if (!config) return undefined;
    try {
      const lostBefore = startUp && config.APP_ENV !== "production" ? this.startedAt : undefined;
      const resent = await withDb(this.env, (db) => sweepJobs(db, laneQueues(this.env), config, { lostBefore }));
      if (resent.length) writeLog(config, "info", "sweep resent jobs", { startUp, count: resent.length, jobIds: resent });
      return resent;
    } catch (error) {
      // D1 unreachable: the next alarm tries again, rather than the runtime retrying this one in a loop.
      writeLog(config, "error", "job sweep failed", { startUp, error: String(error) });
      return undefined;
    }
  }

  private intervalMs(): number {
    return (this.config()?.JOB_SWEEP_INTERVAL_SECONDS ?? MISCONFIGURED_RECHECK_MS / 1000) * 1000;
  }

  private config() {
    try {
      return loadConfig(this.env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      console.error(
        JSON.stringify({ level: "error", msg: "the job sweeper is misconfigured; it sweeps once fixed", problems: error.problems }),
      );
      return undefined;
    }
  }
}
