/**
 * Connection tickets of a session room. Browsers cannot set headers on a
 * WebSocket and a long-lived token must never appear in a URL, so the API
 * (after checking the bearer token and the caller's access) asks the room for
 * a ticket: random, single use and short-lived. Only its SHA-256 is stored,
 * and taking it is one DELETE … RETURNING, so two connections racing with the
 * same ticket cannot both win.
 */
import type { Participant } from "@studyhall/core";

export const DEFAULT_TICKET_TTL_MS = 30_000;
export const MAX_TICKET_TTL_MS = 5 * 60_000;

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

async function digest(ticket: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(ticket))));
}

/** Tickets look like this; anything else is refused without touching storage. */
export const TICKET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export class RoomTickets {
  constructor(private readonly sql: SqlStorage) {}

  async issue(user: Participant, ttlMs: number, now: number): Promise<{ ticket: string; expiresAt: number }> {
    const ticket = base64url(crypto.getRandomValues(new Uint8Array(32)));
    const expiresAt = now + ttlMs;
    this.sql.exec(
      "INSERT INTO tickets (hash, user_id, name, role, expires_at) VALUES (?, ?, ?, ?, ?)",
      await digest(ticket),
      user.id,
      user.name,
      user.role,
      expiresAt,
    );
    return { ticket, expiresAt };
  }

  /** Spends a ticket: the participant it was issued to, or null if it is unknown, used or expired. */
  async take(ticket: string, now: number): Promise<Participant | null> {
    if (!TICKET_PATTERN.test(ticket)) return null;
    const hash = await digest(ticket);
    // Deleted even when expired: an expired ticket is as spent as a used one.
    const row = this.sql.exec("DELETE FROM tickets WHERE hash = ? RETURNING user_id, name, role, expires_at", hash).toArray()[0];
    if (!row || Number(row.expires_at) <= now) return null;
    return { id: String(row.user_id), name: String(row.name), role: row.role as Participant["role"] };
  }

  /** Everyone holding a ticket that is still valid. */
  holders(now: number): string[] {
    return this.sql
      .exec("SELECT DISTINCT user_id FROM tickets WHERE expires_at > ?", now)
      .toArray()
      .map((row) => String(row.user_id));
  }

  /** Voids every ticket of these users: someone who lost access cannot connect with one handed out before. */
  voidFor(userIds: readonly string[]): void {
    if (userIds.length) this.sql.exec("DELETE FROM tickets WHERE user_id IN (SELECT value FROM json_each(?))", JSON.stringify(userIds));
  }

  /** Removes expired tickets; returns the earliest expiry still outstanding. */
  prune(now: number): number | null {
    this.sql.exec("DELETE FROM tickets WHERE expires_at <= ?", now);
    const row = this.sql.exec("SELECT MIN(expires_at) AS next FROM tickets").one();
    return row.next === null ? null : Number(row.next);
  }
}
