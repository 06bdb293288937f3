/**
 * The job figures a metrics scrape reports, for one organisation or the whole
 * platform: jobs by kind, lane and status, run times of completed jobs in
 * buckets, retry, deferral and dead-letter counts, and LLM tokens charged.
 */
import { sql } from "drizzle-orm";
import { secondsBetween, selectAll } from "./dialect.ts";
import type { Db } from "./index.ts";

export interface JobFigures {
  byState: { kind: string; lane: string; status: string; n: number }[];
  /** Per kind: how many completed, their run time in seconds summed, and how many ran within each bucket. */
  durations: { kind: string; count: number; sum: number; withinBuckets: number[] }[];
  events: { retrying: number; deferred: number; deadLettered: number };
  llmTokens: number;
}

/**
 * @param bucketsSeconds the histogram's upper bounds, in seconds
 * @example const figures = await jobFigures(db, orgId, [1, 5, 15]); // orgId undefined: the platform's
 */
export async function jobFigures(db: Db, orgId: string | undefined, bucketsSeconds: readonly number[]): Promise<JobFigures> {
  // Every query filters on the organisation first, so an organisation's scrape reads its rows by index.
  const ofOrg = orgId ? sql`and org_id = ${orgId}` : sql``;
  const byState = await selectAll<{ kind: string; lane: string; status: string; n: number }>(
    db,
    sql`select kind, lane, status, count(*) as n from jobs ${orgId ? sql`where org_id = ${orgId}` : sql``} group by kind, lane, status`,
  );
  const ran = secondsBetween(sql`started_at`, sql`finished_at`);
  const buckets = sql.join(
    bucketsSeconds.map((b, i) => sql`sum(case when ${ran} <= ${sql.raw(String(Number(b)))} then 1 else 0 end) as ${sql.raw(`b${i}`)}`),
    sql`, `,
  );
  const durations = await selectAll<Record<string, number> & { kind: string }>(
    db,
    sql`select kind, count(*) as count, coalesce(sum(${ran}), 0) as sum, ${buckets} from jobs where status = 'completed' and started_at is not null and finished_at is not null ${ofOrg} group by kind`,
  );
  const events = await selectAll<{ type: string; n: number }>(
    db,
    orgId
      ? sql`select e.type as type, count(*) as n from job_events e join jobs j on j.id = e.job_id where j.org_id = ${orgId} and e.type in ('retrying', 'dead-lettered', 'deferred') group by e.type`
      : sql`select type, count(*) as n from job_events where type in ('retrying', 'dead-lettered', 'deferred') group by type`,
  );
  const tokens = await selectAll<{ n: number }>(
    db,
    orgId
      ? sql`select coalesce(sum(amount), 0) as n from usage_ledger where metric = 'llm_tokens' and user_id in (select id from users where org_id = ${orgId}) and org_id = ${orgId}`
      : sql`select coalesce(sum(amount), 0) as n from usage_ledger where metric = 'llm_tokens'`,
  );
  const eventCount = (type: string) => Number(events.find((e) => e.type === type)?.n ?? 0);
  return {
    byState: byState.map((r) => ({ ...r, n: Number(r.n) })),
    durations: durations.map((r) => ({
      kind: r.kind,
      count: Number(r.count),
      sum: Number(r.sum),
      withinBuckets: bucketsSeconds.map((_, i) => Number(r[`b${i}`] ?? 0)),
    })),
    events: { retrying: eventCount("retrying"), deferred: eventCount("deferred"), deadLettered: eventCount("dead-lettered") },
    llmTokens: Number(tokens[0]?.n ?? 0),
  };
}
