/**
 * How much each person may send in a session room: chat messages and resume
 * requests, counted per user in the room's storage. Counting per socket would
 * let anyone multiply their budget by opening more sockets (or reset it by
 * reconnecting); one window per user, kept with the room, does neither, and
 * survives hibernation and eviction like everything else the room knows.
 */

/** What a budget is spent on, and how much of it a user has per window. */
export const SEND_BUDGETS = {
  /** Chat messages. */
  chat: { limit: 10, windowMs: 10_000 },
  /** `resume` frames: each may replay up to a thousand stored frames. */
  resume: { limit: 5, windowMs: 10_000 },
} as const;
export type BudgetKind = keyof typeof SEND_BUDGETS;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sends (user_id TEXT NOT NULL, kind TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sends_user_kind_at ON sends (user_id, kind, at);
`;

export class RoomBudgets {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  /**
   * Counts one send of `kind` against the user's sliding window; false (and
   * nothing counted) when the window is full.
   */
  take(userId: string, kind: BudgetKind, now: number): boolean {
    const { limit, windowMs } = SEND_BUDGETS[kind];
    this.sql.exec("DELETE FROM sends WHERE user_id = ? AND kind = ? AND at <= ?", userId, kind, now - windowMs);
    const used = Number(this.sql.exec("SELECT COUNT(*) AS n FROM sends WHERE user_id = ? AND kind = ?", userId, kind).one().n);
    if (used >= limit) return false;
    this.sql.exec("INSERT INTO sends (user_id, kind, at) VALUES (?, ?, ?)", userId, kind, now);
    return true;
  }

  /** Forgets sends that no window still counts (for people who stopped sending). */
  prune(now: number): void {
    const longest = Math.max(...Object.values(SEND_BUDGETS).map((b) => b.windowMs));
    this.sql.exec("DELETE FROM sends WHERE at <= ?", now - longest);
  }
}
