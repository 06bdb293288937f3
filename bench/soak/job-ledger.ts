/**
 * Every job the soak's teachers started and how it ended. Latency is the
 * job's own clock, `finishedAt − createdAt` from its row (accepted to
 * finished, queue wait included), so the client's pace does not enter it;
 * a job still unfinished when the run has drained is kept apart, as a job
 * nobody saw end.
 */
import type { JobView } from "../../test/e2e/studyhall-client.ts";
import { percentile } from "../stats.ts";

export interface KindFigures {
  kind: string;
  /** Final status → count; "unfinished" for jobs still running when the run ended. */
  states: Record<string, number>;
  /** Error types of failed jobs → count. */
  failures: Record<string, number>;
  completedMs: { p50: number; p95: number; max: number; count: number };
}

export class JobLedger {
  private readonly open = new Map<string, string>();
  private readonly ended: { kind: string; status: string; ms: number; error: string | null }[] = [];

  started(id: string, kind: string): void {
    this.open.set(id, kind);
  }

  finished(job: JobView): void {
    if (!this.open.delete(job.id)) return;
    const ms = job.finishedAt ? Date.parse(job.finishedAt) - Date.parse(job.createdAt) : Number.NaN;
    // A job's error is a problem-like { type, title, … }: the type says which kind of failure it was.
    const error =
      job.error && typeof job.error === "object" && "type" in job.error ? String(job.error.type) : job.error ? String(job.error) : null;
    this.ended.push({ kind: job.kind, status: job.status, ms, error });
  }

  /** Jobs started and not seen to end. */
  unfinished(): number {
    return this.open.size;
  }

  figures(): KindFigures[] {
    const kinds = new Set([...this.ended.map((e) => e.kind), ...this.open.values()]);
    return [...kinds].sort().map((kind) => {
      const mine = this.ended.filter((e) => e.kind === kind);
      const states: Record<string, number> = {};
      const failures: Record<string, number> = {};
      for (const e of mine) {
        states[e.status] = (states[e.status] ?? 0) + 1;
        if (e.status === "failed") failures[e.error ?? "unknown"] = (failures[e.error ?? "unknown"] ?? 0) + 1;
      }
      const stillOpen = [...this.open.values()].filter((k) => k === kind).length;
      if (stillOpen) states.unfinished = stillOpen;
      const done = mine.filter((e) => e.status === "completed" && Number.isFinite(e.ms)).map((e) => e.ms);
      return {
        kind,
        states,
        failures,
        completedMs: {
          p50: percentile(done, 50),
          p95: percentile(done, 95),
          max: done.length ? Math.max(...done) : Number.NaN,
          count: done.length,
        },
      };
    });
  }
}
