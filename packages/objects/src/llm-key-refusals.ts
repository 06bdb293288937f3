/**
 * The model keys the endpoint refused (401, 403), as the LLM gate keeps them
 * for every consumer: by fingerprint (the first 12 hex digits of the key's
 * SHA-256), never the key. A refused key is left out of every call until
 * `retryAt`, then tried again, so a key its owner restores comes back on its
 * own; refused again soon after, it keeps its first `since`. The gate also
 * remembers which fingerprints are configured (every chat names them when it
 * starts), so the metrics can count the active keys beside the refused ones.
 */
import { z } from "zod";

/** How long a refused key stays out of the rotation before it is tried again. */
export const KEY_RETRY_AFTER_MS = 10 * 60_000;
/** A fingerprint no chat has named for this long is no longer configured. */
const KEY_FORGOTTEN_AFTER_MS = 24 * 60 * 60_000;
/** A key's last-seen time is written at most this often, so a busy platform does not write per job. */
const SEEN_RESOLUTION_MS = 60_000;

export const fingerprintSchema = z.string().regex(/^[0-9a-f]{12}$/);
export const keysInput = z.object({ fingerprints: z.array(fingerprintSchema).max(100) });
export const refuseInput = z.object({ fingerprint: fingerprintSchema, status: z.number().int().min(400).max(499) });

export interface KeyRecord {
  seenAt: number;
  /** When the current run of refusals began. */
  refusedSince: number | null;
  /** Until when the key is left out; afterwards it is tried again. */
  retryAt: number | null;
  status: number | null;
}
export type KeyRecords = Record<string, KeyRecord>;

/** One key as the platform's operators see it. */
export interface KeyState {
  fingerprint: string;
  state: "active" | "refused";
  /** ISO times, for a refused key. */
  refusedSince: string | null;
  retryAt: string | null;
  status: number | null;
}

const isRefused = (record: KeyRecord, now: number) => record.retryAt !== null && record.retryAt > now;

/** Drops keys nobody has named for a day; returns whether anything changed. */
export function forget(records: KeyRecords, now: number): boolean {
  let changed = false;
  for (const [fingerprint, record] of Object.entries(records)) {
    if (record.seenAt > now - KEY_FORGOTTEN_AFTER_MS || isRefused(record, now)) continue;
    delete records[fingerprint];
    changed = true;
  }
  return changed;
}

/** Notes the configured keys; returns those refused now, and whether the records changed. */
export function notice(records: KeyRecords, fingerprints: readonly string[], now: number): { refused: string[]; changed: boolean } {
  let changed = false;
  for (const fingerprint of fingerprints) {
    const record = records[fingerprint];
    if (!record) {
      records[fingerprint] = { seenAt: now, refusedSince: null, retryAt: null, status: null };
      changed = true;
    } else if (record.seenAt <= now - SEEN_RESOLUTION_MS) {
      record.seenAt = now;
      changed = true;
    }
  }
  return { refused: fingerprints.filter((f) => records[f] && isRefused(records[f], now)), changed };
}

/** Takes a key out of the rotation until `now + KEY_RETRY_AFTER_MS`. */
export function refuse(records: KeyRecords, fingerprint: string, status: number, now: number): void {
  const record = records[fingerprint] ?? { seenAt: now, refusedSince: null, retryAt: null, status: null };
  // Refused again within a period of its retry: the same outage, which began at the first refusal.
  const continuing = record.refusedSince !== null && record.retryAt !== null && now <= record.retryAt + KEY_RETRY_AFTER_MS;
  records[fingerprint] = {
    seenAt: now,
    refusedSince: continuing ? record.refusedSince : now,
    retryAt: now + KEY_RETRY_AFTER_MS,
    status,
  };
}

/** Every known key, refused ones first. */
export function keyStates(records: KeyRecords, now: number): KeyState[] {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return Object.entries(records)
    .map(([fingerprint, r]): KeyState => {
      const refused = isRefused(r, now);
      return {
        fingerprint,
        state: refused ? "refused" : "active",
        refusedSince: refused ? iso(r.refusedSince) : null,
        retryAt: refused ? iso(r.retryAt) : null,
        status: refused ? r.status : null,
      };
    })
    .sort((a, b) => (a.state === b.state ? a.fingerprint.localeCompare(b.fingerprint) : a.state === "refused" ? -1 : 1));
}
