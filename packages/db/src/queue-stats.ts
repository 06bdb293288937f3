/**
 * What the queue dashboards show per lane: waiting, delayed, active,
 * completed, failed and cancelled counts, throughput, failure rate and run
 * time percentiles, and what holds the lane, for one organisation or for the
 * whole platform.
 */

import { type Lane, lanes } from "@studyhall/core";
import { and, gte, isNotNull, sql } from "drizzle-orm";
import { instant, secondsBetween } from "./dialect.ts";
import type { Db } from "./index.ts";
import { inScope, type JobScope, switchScope } from "./job-scope.ts";
import { lanePauses, type PausedBy, pausedBy } from "./lane-state.ts";
import { jobs, PLATFORM_SCOPE } from "./tables.ts";

export interface LaneStats {
  lane: Lane;
  /** Whether the scope's jobs of this lane are held now. */
  paused: boolean;
  /** Which switch holds them: the platform's wins over the organisation's own. */
  pausedBy: PausedBy;
  /** In the platform's view: organisations holding this lane for themselves. */
  organisationsPaused?: number;
  waiting: number;
  delayed: number;
  active: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** Jobs finished per minute over the last `windowMinutes`. */
  throughputPerMinute: number;
  /** Failed share of jobs finished in the window (0–1). */
  failureRate: number;
  p50Seconds: number | null;
  p95Seconds: number | null;
}

function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function queueStats(db: Db, scope: JobScope, windowMinutes = 60, now = Date.now()): Promise<LaneStats[]> {
  const since = new Date(now - windowMinutes * 60_000);
  const counts = await db
    .select({
      lane: jobs.lane,
      status: jobs.status,
      delayed: sql<number>`sum(case when ${jobs.runAfter} > ${instant(now)} then 1 else 0 end)`,
      n: sql<number>`count(*)`.mapWith(Number),
    })
    .from(jobs)
    .where(inScope(scope))
    .groupBy(jobs.lane, jobs.status);
  const finished = await db
    .select({ lane: jobs.lane, status: jobs.status, seconds: secondsBetween(jobs.startedAt, jobs.finishedAt) })
    .from(jobs)
    .where(and(inScope(scope), gte(jobs.finishedAt, since), isNotNull(jobs.startedAt)))
    .limit(5000);
  const pauses = await lanePauses(db, switchScope(scope));

  return lanes.map((lane) => {
    const of = (status: string) => counts.filter((c) => c.lane === lane && c.status === status);
    const queued = of("queued").reduce((s, c) => s + Number(c.n), 0);
    const delayed = of("queued").reduce((s, c) => s + Number(c.delayed ?? 0), 0);
    const recent = finished.filter((f) => f.lane === lane);
    const done = recent
      .filter((f) => f.status === "completed")
      .map((f) => Number(f.seconds))
      .sort((a, b) => a - b);
    const failedRecent = recent.filter((f) => f.status === "failed").length;
    const total = (status: string) => of(status).reduce((s, c) => s + Number(c.n), 0);
    const by = pausedBy(pauses[lane]);
    return {
      lane,
      paused: by !== null,
      pausedBy: by,
      ...(scope === PLATFORM_SCOPE ? { organisationsPaused: pauses[lane].organisationsPaused } : {}),
      waiting: queued - delayed,
      delayed,
      active: total("active"),
      completed: total("completed"),
      failed: total("failed"),
      cancelled: total("cancelled"),
      throughputPerMinute: Math.round(((done.length + failedRecent) / windowMinutes) * 100) / 100,
      failureRate: done.length + failedRecent ? Math.round((failedRecent / (done.length + failedRecent)) * 1000) / 1000 : 0,
      p50Seconds: percentile(done, 50),
      p95Seconds: percentile(done, 95),
    };
  });
}
