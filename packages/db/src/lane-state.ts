/**
 * Whether a priority lane is paused. Consumers ask on every message, so the
 * answer is kept for a few seconds per isolate; pausing takes effect within that.
 */
import { eq } from "drizzle-orm";
import type { Lane } from "@studyhall/core";
import type { Db } from "./index";
import { PLATFORM_SCOPE, laneControls } from "./schema/lane-controls";

const CACHE_MS = 5000;
let cache: { at: number; paused: Set<Lane> } | undefined;

export async function pausedLanes(db: Db, now = Date.now()): Promise<Set<Lane>> {
  if (cache && now - cache.at < CACHE_MS) return cache.paused;
  const rows = await db.select().from(laneControls).where(eq(laneControls.paused, true));
  cache = { at: now, paused: new Set(rows.map((r) => r.lane)) };
  return cache.paused;
}

export async function setLanePaused(db: Db, lane: Lane, paused: boolean, by: string, now = Date.now()): Promise<void> {
  await db
    .insert(laneControls)
    .values({ scope: PLATFORM_SCOPE, lane, paused, updatedBy: by, updatedAt: new Date(now) })
    .onConflictDoUpdate({ target: [laneControls.scope, laneControls.lane], set: { paused, updatedBy: by, updatedAt: new Date(now) } });
  cache = undefined;
}

/** The lane a queue feeds, from its name (`studyhall-jobs-high` → `high`). */
export function laneOfQueue(queue: string): Lane | undefined {
  const match = /-(high|normal|low)$/.exec(queue);
  return match ? (match[1] as Lane) : undefined;
}
