/**
 * Pause switches per priority lane, in two scopes: an organisation's (its
 * admins hold only their own jobs) and the platform's (operators hold every
 * organisation's). The switch is read inside the claim itself (`laneOpen`),
 * so a pause or a resume holds from the next claim on, with no cache to go
 * stale.
 */

import type { Lane } from "@studyhall/core";
import { and, asc, eq, gt, inArray, type SQL, sql } from "drizzle-orm";
import type { Db } from "./index.ts";
import { markSent } from "./job-lifecycle.ts";
import { type LaneQueues, sendJobs } from "./job-queue.ts";
import { jobs, laneControls, PLATFORM_SCOPE } from "./tables.ts";

/** Who holds a lane: the viewer's organisation, the platform, or nobody. */
export type PausedBy = "organisation" | "platform" | null;

/**
 * True while no switch holds the job's lane, neither the platform's nor its organisation's. A condition
 * on `jobs`, for the claim and the sweep; it reads the switch table by its primary key.
 */
export const laneOpen = (): SQL =>
  sql`not exists (select 1 from ${laneControls} where ${laneControls.lane} = ${jobs.lane} and ${laneControls.paused} = ${sql.param(true, laneControls.paused)} and ${laneControls.scope} in (${PLATFORM_SCOPE}, ${jobs.orgId}))`;

/** Sets one scope's switch for a lane: an organisation id, or `PLATFORM_SCOPE`. */
export async function setLanePaused(db: Db, scope: string, lane: Lane, paused: boolean, by: string, now = Date.now()): Promise<void> {
  await db
    .insert(laneControls)
    .values({ scope, lane, paused, updatedBy: by, updatedAt: new Date(now) })
    .onConflictDoUpdate({ target: [laneControls.scope, laneControls.lane], set: { paused, updatedBy: by, updatedAt: new Date(now) } });
}

export interface LanePause {
  /** The platform's switch. */
  platform: boolean;
  /** The organisation's own switch (false when asked for the platform). */
  organisation: boolean;
  /** Organisations holding this lane for themselves; only counted for the platform's view. */
  organisationsPaused: number;
}

/**
 * Each lane's switches as `orgId` sees them, or as the platform does (`PLATFORM_SCOPE`): then also how
 * many organisations hold the lane for themselves. An organisation never learns about another's switches.
 */
export async function lanePauses(db: Db, scope: string): Promise<Record<Lane, LanePause>> {
  const platformView = scope === PLATFORM_SCOPE;
  const rows = await db
    .select({ scope: laneControls.scope, lane: laneControls.lane })
    .from(laneControls)
    .where(and(eq(laneControls.paused, true), platformView ? undefined : inArray(laneControls.scope, [PLATFORM_SCOPE, scope])));
  const of = (lane: Lane): LanePause => {
    const mine = rows.filter((r) => r.lane === lane);
    return {
      platform: mine.some((r) => r.scope === PLATFORM_SCOPE),
      organisation: !platformView && mine.some((r) => r.scope === scope),
      organisationsPaused: platformView ? mine.filter((r) => r.scope !== PLATFORM_SCOPE).length : 0,
    };
  };
  return { high: of("high"), normal: of("normal"), low: of("low") };
}

/** What holds a lane for the viewer: the platform's switch wins, as the one they cannot lift. */
export function pausedBy(pause: LanePause): PausedBy {
  return pause.platform ? "platform" : pause.organisation ? "organisation" : null;
}

/** What holds one organisation's jobs of a lane now, if anything. */
export async function laneHeldBy(db: Db, orgId: string, lane: Lane): Promise<PausedBy> {
  return pausedBy((await lanePauses(db, orgId))[lane]);
}

/** Held jobs read per page by a wake-up. */
const WAKE_PAGE = 500;

/**
 * After a resume: sends every held job of that scope's lane at once, a page at a time in id order, a
 * `sendBatch` per hundred. A job whose message also arrives another way is simply not claimed twice; one
 * whose send was refused stays for the sweep.
 */
export async function wakeLane(db: Db, queues: LaneQueues, scope: string, lane: Lane, page = WAKE_PAGE): Promise<number> {
  let sent = 0;
  for (let after = ""; ; ) {
    const held = await db
      .select({ id: jobs.id, kind: jobs.kind, lane: jobs.lane })
      .from(jobs)
      .where(
        and(
          eq(jobs.status, "queued"),
          eq(jobs.lane, lane),
          scope === PLATFORM_SCOPE ? undefined : eq(jobs.orgId, scope),
          gt(jobs.id, after),
          laneOpen(),
        ),
      )
      .orderBy(asc(jobs.id))
      .limit(page);
    const ids = await sendJobs(queues, held);
    await markSent(db, ids);
    sent += ids.length;
    if (held.length < page) return sent;
    after = held.at(-1)!.id;
  }
}
