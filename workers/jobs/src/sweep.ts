/**
 * The sweep, run by cron: sends again every job whose message is gone —
 * written but never sent (the send failed after the D1 write), sent but never
 * taken, or held by a consumer whose lease expired (it died mid-way). A job
 * sent twice is harmless: only one consumer can claim it.
 */
import type { Config } from "@studyhall/core";
import { type Db, jobsToResend, type LaneQueues, markSent, sendJob } from "@studyhall/db";

export async function sweep(db: Db, queues: LaneQueues, config: Config, now = Date.now()): Promise<string[]> {
  const due = await jobsToResend(
    db,
    { unsentAfterMs: config.JOB_UNSENT_AFTER_SECONDS * 1000, staleAfterMs: config.JOB_STALE_AFTER_SECONDS * 1000 },
    now,
  );
  const sent: string[] = [];
  for (const job of due) if (await sendJob(queues, job)) sent.push(job.id);
  await markSent(db, sent, now);
  return sent;
}
