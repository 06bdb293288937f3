/**
 * What the queue dashboard shows per lane: waiting, delayed, active,
 * completed, failed and cancelled counts, throughput, failure rate and run
 * time percentiles, for one organisation.
 */
import { and, eq, gte, isNotNull, sql } from "drizzle-orm";
import { lanes, type Lane } from "@studyhall/core";
import type { Db } from "./index";
import { jobs } from "./schema/jobs";
import { laneControls } from "./schema/lane-controls";

export interface LaneStats {
  lane: Lane;
  paused: boolean;
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

export async function queueStats(db: Db, orgId: string, windowMinutes = 60, now = Date.now()): Promise<LaneStats[]> {
  const since = new Date(now - windowMinutes * 60_000);
  const counts = await db
    .select({
      lane: jobs.lane,
      status: jobs.status,
      delayed: sql<number>`sum(case when ${jobs.runAfter} > ${now} then 1 else 0 end)`,
      n: sql<number>`count(*)`,
    })
    .from(jobs)
    .where(eq(jobs.orgId, orgId))
    .groupBy(jobs.lane, jobs.status);
  const finished = await db
    .select({ lane: jobs.lane, status: jobs.status, seconds: sql<number>`(${jobs.finishedAt} - ${jobs.startedAt}) / 1000.0` })
    .from(jobs)
    .where(and(eq(jobs.orgId, orgId), gte(jobs.finishedAt, since), isNotNull(jobs.startedAt)))
    .limit(5000);
  const paused = new Set((await db.select().from(laneControls).where(eq(laneControls.paused, true))).map((r) => r.lane));

  return lanes.map((lane) => {
    const of = (status: string) => counts.filter((c) => c.lane === lane && c.status === status);
    const queued = of("queued").reduce((s, c) => s + Number(c.n), 0);
    const delayed = of("queued").reduce((s, c) => s + Number(c.delayed ?? 0), 0);
    const recent = finished.filter((f) => f.lane === lane);
    const done = recent.filter((f) => f.status === "completed").map((f) => Number(f.seconds)).sort((a, b) => a - b);
    const failedRecent = recent.filter((f) => f.status === "failed").length;
    const total = (status: string) => of(status).reduce((s, c) => s + Number(c.n), 0);
    return {
      lane,
      paused: paused.has(lane),
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
