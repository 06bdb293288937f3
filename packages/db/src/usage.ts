/**
 * The monthly LLM token quota: usage is summed from the append-only ledger for
 * the current UTC month, and what work in progress has reserved but not yet
 * spent (token-reservations.ts) counts against it too; the limit depends on
 * the user's role.
 */

import { type Config, ProblemError, type Role } from "@studyhall/core";
import { sql } from "drizzle-orm";
import { instant, selectAll } from "./dialect.ts";
import type { Db } from "./index.ts";
import { usageLedger } from "./tables.ts";

type AnyDb = Db;

export interface UsageSummary {
  period: string;
  metric: "llm_tokens";
  used: number;
  /** Set aside by work accepted but not finished, and not yet spent. */
  reserved: number;
  limit: number;
  /** What new work may still reserve: limit − used − reserved. */
  remaining: number;
  resetsAt: string;
}

/** `YYYY-MM` of a date, UTC. */
export function usagePeriod(now = new Date()): string {
  return now.toISOString().slice(0, 7);
}

function nextPeriodStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

/** The month's tokens for a role; the read-only operator spends nothing. */
export function monthlyTokenLimit(config: Config, role: Role): number {
  if (role === "operator") return 0;
  if (role === "admin") return config.QUOTA_TOKENS_ADMIN;
  if (role === "teacher") return config.QUOTA_TOKENS_TEACHER;
  return config.QUOTA_TOKENS_STUDENT;
}

/** SQL: the tokens a user's ledger holds for a month. */
export const spentSql = (userId: string, period: string) =>
  sql<number>`(select coalesce(sum(amount), 0) from usage_ledger where user_id = ${userId} and period = ${period} and metric = 'llm_tokens')`;

/**
 * SQL: the unspent part of a user's held reservations for a month, leaving out
 * expired ones, those of jobs that have ended (their release may not have run
 * yet, or failed) and, when given, one reservation (the one being extended).
 */
export const reservedSql = (userId: string, period: string, now: number, except: string | null = null) =>
  sql<number>`(select coalesce(sum(case when r.amount > r.charged then r.amount - r.charged else 0 end), 0) from token_reservations r
    where r.user_id = ${userId} and r.period = ${period} and r.status = 'held' and r.expires_at > ${instant(now)}
      and (cast(${except} as text) is null or r.id <> ${except})
      and not exists (select 1 from jobs j where j.id = r.job_id and j.status in ('completed', 'failed', 'cancelled')))`;

export async function usageSummary(db: AnyDb, config: Config, user: { id: string; role: Role }, now = new Date()): Promise<UsageSummary> {
  const period = usagePeriod(now);
  const [row] = await selectAll<{ used: number | string; reserved: number | string }>(
    db,
    sql`select ${spentSql(user.id, period)} as used, ${reservedSql(user.id, period, now.getTime())} as reserved`,
  );
  const used = Number(row?.used ?? 0);
  const reserved = Number(row?.reserved ?? 0);
  const limit = monthlyTokenLimit(config, user.role);
  return {
    period,
    metric: "llm_tokens",
    used,
    reserved,
    limit,
    remaining: Math.max(0, limit - used - reserved),
    resetsAt: nextPeriodStart(now).toISOString(),
  };
}

/**
 * Refuses work that needs the LLM once the month's tokens are spent.
 * @throws ProblemError quota-exceeded, carrying the usage and the reset date.
 */
export async function assertTokenQuota(
  db: AnyDb,
  config: Config,
  user: { id: string; role: Role },
  now = new Date(),
): Promise<UsageSummary> {
  const usage = await usageSummary(db, config, user, now);
  if (usage.remaining <= 0) throw quotaExceeded(usage, now);
  return usage;
}

/** The 429 for work that does not fit: the usage, what it needed, and when the quota resets. */
export function quotaExceeded(usage: UsageSummary, now = new Date(), needed?: number): ProblemError {
  const retryAfter = Math.max(1, Math.ceil((Date.parse(usage.resetsAt) - now.getTime()) / 1000));
  const detail =
    needed === undefined || usage.remaining <= 0
      ? `This month's LLM token quota (${usage.limit}) is used up; it resets at ${usage.resetsAt}.`
      : `This needs up to ${needed} LLM tokens; ${usage.remaining} of this month's ${usage.limit} are left (${usage.reserved} reserved by work in progress). The quota resets at ${usage.resetsAt}.`;
  return new ProblemError("quota-exceeded", {
    detail,
    extensions: needed === undefined ? { usage } : { usage, needed },
    headers: { "Retry-After": String(retryAfter) },
  });
}

/** Records real usage after the work is done (work with a reservation charges it instead: token-reservations.ts). */
export async function chargeTokens(
  db: AnyDb,
  entry: { orgId: string; userId: string; amount: number; jobId?: string },
  now = new Date(),
): Promise<void> {
  if (entry.amount <= 0) return;
  await db.insert(usageLedger).values({
    orgId: entry.orgId,
    userId: entry.userId,
    amount: Math.round(entry.amount),
    jobId: entry.jobId ?? null,
    period: usagePeriod(now),
    metric: "llm_tokens",
    createdAt: now,
  });
}
