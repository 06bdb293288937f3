/**
 * Live sockets follow access. A session room holds people who were allowed in
 * when they connected; this module keeps them to the rule while they stay.
 * The room asks D1 which of its people (connected, or holding a ticket) may
 * still join, in one query, whenever the API tells it that access changed
 * (`recheckSessionAccess`, right after the change, off the response path) and
 * on its own timer while anyone is connected (for changes nobody pushed, or
 * rooms beyond the push's fan-out cap). Whoever may not is disconnected with
 * `sessionCloseCodes.accessRevoked`, and their tickets are voided.
 */
import { type AccessChange, joinableNow, openSessionsAffectedBy, type RelationalBindings, withDb } from "@studyhall/db";
import { type ObjectBindings, objects } from "./bindings.ts";

export type { AccessChange } from "@studyhall/db";

/** While anyone is connected, the room re-reads their access this often, whatever was pushed. */
export const RECHECK_INTERVAL_MS = 15_000;
/** At most this many rooms are told of one change; the rest find out within `RECHECK_INTERVAL_MS`. */
export const RECHECK_FAN_OUT = 500;
/** Rooms told at once, so a large organisation's change does not open hundreds of calls together. */
const FAN_OUT_BATCH = 50;

/** What the room learned: the session's state in D1 and who may no longer be here. */
export interface AccessVerdict {
  session: "open" | "closed" | "gone";
  revoked: string[];
}

/** Asks D1 about `userIds` in one round trip; nobody to ask costs nothing. */
export async function judgeAccess(env: RelationalBindings, sessionId: string, userIds: readonly string[]): Promise<AccessVerdict> {
  if (userIds.length === 0) return { session: "open", revoked: [] };
  const { session, allowed } = await withDb(env, (db) => joinableNow(db, sessionId, userIds));
  return { session, revoked: userIds.filter((id) => !allowed.has(id)) };
}

type RecheckEnv = RelationalBindings & ObjectBindings;

/**
 * Tells every open room a change may concern to re-check its people now.
 * Meant for `waitUntil` right after the change is committed: it never
 * throws, and logs what it could not reach (those rooms' timers catch up).
 * @example c.executionCtx.waitUntil(recheckSessionAccess(c.env, { kind: "course", courseId }));
 * @example c.executionCtx.waitUntil(recheckSessionAccess(c.env, { kind: "organisation", orgId })); // a member removed
 */
export async function recheckSessionAccess(env: RecheckEnv, change: AccessChange): Promise<void> {
  try {
    const sessionIds = await withDb(env, (db) => openSessionsAffectedBy(db, change, RECHECK_FAN_OUT));
    let failed = 0;
    for (let i = 0; i < sessionIds.length; i += FAN_OUT_BATCH) {
      const batch = sessionIds.slice(i, i + FAN_OUT_BATCH);
      const rooms = objects(env).sessionRoom;
      const results = await Promise.allSettled(batch.map((id) => rooms.getByName(id).recheckAccess()));
      failed += results.filter((r) => r.status === "rejected").length;
    }
    if (failed)
      console.warn(
        JSON.stringify({ level: "warn", msg: "some rooms missed an access re-check", change, rooms: sessionIds.length, failed }),
      );
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: "access re-check not pushed", change, error: String(error) }));
  }
}
