/**
 * The monthly LLM token quota: usage is summed from the append-only ledger for
 * the current UTC month; the limit depends on the user's role.
 */
import { and, eq, sql } from "drizzle-orm";
import { ProblemError, type Config, type Role } from "@studyhall/core";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { usageLedger } from "./schema/usage-ledger";

type AnyDb = DrizzleD1Database<Record<string, unknown>>;

export interface UsageSummary {
  period: string;
  metric: "llm_tokens";
  used: number;
  limit: number;
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

export function monthlyTokenLimit(config: Config, role: Role): number {
  if (role === "admin") return config.QUOTA_TOKENS_ADMIN;
  if (role === "teacher") return config.QUOTA_TOKENS_TEACHER;
  return config.QUOTA_TOKENS_STUDENT;
}

export async function usageSummary(
  db: AnyDb,
  config: Config,
  user: { id: string; role: Role },
  now = new Date(),
): Promise<UsageSummary> {
  const period = usagePeriod(now);
  const [row] = await db
    .select({ used: sql<number>`coalesce(sum(${usageLedger.amount}), 0)` })
    .from(usageLedger)
    .where(and(eq(usageLedger.userId, user.id), eq(usageLedger.period, period), eq(usageLedger.metric, "llm_tokens")));
  const used = Number(row?.used ?? 0);
  const limit = monthlyTokenLimit(config, user.role);
  return {
    period,
    metric: "llm_tokens",
    used,
    limit,
    remaining: Math.max(0, limit - used),
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
  if (usage.remaining <= 0) {
    const retryAfter = Math.max(1, Math.ceil((Date.parse(usage.resetsAt) - now.getTime()) / 1000));
    throw new ProblemError("quota-exceeded", {
      detail: `This month's LLM token quota (${usage.limit}) is used up; it resets at ${usage.resetsAt}.`,
      extensions: { usage },
      headers: { "Retry-After": String(retryAfter) },
    });
  }
  return usage;
}

/** Records real usage after the work is done. */
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
