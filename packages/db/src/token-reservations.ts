/**
 * Spending bounded before it happens. Work that may call the LLM first
 * reserves an estimate against its owner's monthly quota, in one conditional
 * INSERT … SELECT: what the ledger holds this month, plus the unspent part of
 * held reservations, plus this amount, must fit the limit. D1 runs one
 * statement at a time, so two requests cannot both pass a nearly spent quota;
 * on PostgreSQL the statement runs under the spender's lock (`oneAtATime`).
 * The work then charges each request's real usage (a ledger row and the
 * reservation's `charged`, in one batch), extends the reservation with the
 * same kind of statement when it needs more, and releases the rest when it ends.
 */

import type { Config, Role } from "@studyhall/core";
import { and, eq, isNull, or, sql } from "drizzle-orm";
import { execute, instant, oneAtATime } from "./dialect.ts";
import type { Db } from "./index.ts";
import { type TokenReservation, tokenReservations, usageLedger, users } from "./tables.ts";
import { monthlyTokenLimit, quotaExceeded, reservedSql, spentSql, usagePeriod, usageSummary } from "./usage.ts";
import { together } from "./write-together.ts";

/** Whose quota pays. */
export interface Spender {
  id: string;
  orgId: string;
  role: Role;
}

/**
 * A held reservation stops counting this long after it was last touched: its
 * job vanished without ending. Long enough for a job to wait out a paused lane
 * overnight; a job renews it at every charge and extension.
 */
export const RESERVATION_TTL_MS = 24 * 3600_000;

/** What reservations of one user and month take turns on (PostgreSQL; see `oneAtATime`). */
const quotaKey = (userId: string, period: string) => `quota:${userId}:${period}`;

/** A reservation's amount cut to `atMost`, but never below what it has already charged. */
const shrunkTo = (atMost: number) => {
  const { amount, charged } = tokenReservations;
  return sql`case when ${amount} < ${atMost} then (case when ${amount} > ${charged} then ${amount} else ${charged} end)
    else (case when ${atMost} > ${charged} then ${atMost} else ${charged} end) end`;
};

/** The user as their quota sees them now (the role sets the limit), or undefined when the account is gone or removed. */
export async function spenderOf(db: Db, userId: string): Promise<Spender | undefined> {
  const [row] = await db
    .select({ id: users.id, orgId: users.orgId, role: users.role })
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.removedAt)));
  return row;
}

/**
 * Reserves `amount` tokens of the spender's quota for a job (its id may be
 * chosen before the job row is written).
 *
 * @example
 * const reservation = await reserveTokens(db, config, me, { amount: estimateTokens({ kind: "tutor-answer" }), jobId });
 * @throws ProblemError quota-exceeded (429) with the usage and the amount needed, when it does not fit.
 */
export async function reserveTokens(
  db: Db,
  config: Config,
  spender: Spender,
  request: { amount: number; jobId: string | null },
  now = new Date(),
): Promise<TokenReservation> {
  const at = now.getTime();
  const period = usagePeriod(now);
  const amount = Math.max(1, Math.ceil(request.amount));
  const limit = monthlyTokenLimit(config, spender.role);
  const id = crypto.randomUUID();
  const expiresAt = at + RESERVATION_TTL_MS;
  const inserted = await oneAtATime(db, quotaKey(spender.id, period), (q) =>
    execute(
      q,
      sql`
    insert into token_reservations (id, org_id, user_id, job_id, period, amount, charged, status, created_at, expires_at)
    select ${id}, ${spender.orgId}, ${spender.id}, cast(${request.jobId} as text), ${period}, cast(${amount} as integer), 0, 'held', ${instant(at)}, ${instant(expiresAt)}
    where ${spentSql(spender.id, period)} + ${reservedSql(spender.id, period, at)} + ${amount} <= ${limit}`,
    ),
  );
  if (!inserted) throw quotaExceeded(await usageSummary(db, config, spender, now), now, amount);
  return {
    id,
    orgId: spender.orgId,
    userId: spender.id,
    jobId: request.jobId,
    period,
    amount,
    charged: 0,
    status: "held",
    createdAt: now,
    expiresAt: new Date(expiresAt),
    releasedAt: null,
  };
}

/**
 * Reserves, then runs `create` (which writes the job); if creating fails, the
 * reservation is released at once rather than left to expire.
 */
export async function reserveFor<T>(
  db: Db,
  config: Config,
  spender: Spender,
  request: { amount: number; jobId: string },
  create: () => Promise<T>,
): Promise<T> {
  const reservation = await reserveTokens(db, config, spender, request);
  try {
    return await create();
  } catch (error) {
    await releaseReservation(db, reservation.id);
    throw error;
  }
}

/** Grows a held reservation by `by` tokens if the quota still has them; null when it does not. */
export async function extendReservation(
  db: Db,
  reservation: TokenReservation,
  by: number,
  limit: number,
  now = Date.now(),
): Promise<TokenReservation | null> {
  const more = Math.max(1, Math.ceil(by));
  const expiresAt = now + RESERVATION_TTL_MS;
  const { userId, period } = reservation;
  const updated = await oneAtATime(db, quotaKey(userId, period), (q) =>
    execute(
      q,
      sql`
    update token_reservations set amount = amount + ${more}, expires_at = ${instant(expiresAt)}
    where id = ${reservation.id} and status = 'held'
      and ${spentSql(userId, period)} + ${reservedSql(userId, period, now, reservation.id)}
        + (case when amount + ${more} > charged then amount + ${more} - charged else 0 end) <= ${limit}`,
    ),
  );
  return updated ? { ...reservation, amount: reservation.amount + more, expiresAt: new Date(expiresAt) } : null;
}

/** Records tokens a request really used: the ledger row and the reservation's `charged` move together. */
export async function chargeReservation(
  db: Db,
  reservation: TokenReservation,
  amount: number,
  now = Date.now(),
): Promise<TokenReservation> {
  const tokens = Math.max(0, Math.round(amount));
  if (tokens === 0) return reservation;
  const expiresAt = new Date(now + RESERVATION_TTL_MS);
  await together(db, (tx) => [
    tx.insert(usageLedger).values({
      orgId: reservation.orgId,
      userId: reservation.userId,
      amount: tokens,
      jobId: reservation.jobId,
      period: reservation.period,
      metric: "llm_tokens",
      createdAt: new Date(now),
    }),
    tx
      .update(tokenReservations)
      .set({ charged: sql`${tokenReservations.charged} + ${tokens}`, expiresAt })
      .where(eq(tokenReservations.id, reservation.id)),
  ]);
  return { ...reservation, charged: reservation.charged + tokens, expiresAt };
}

/** The job's newest held reservation, if it has one. */
export async function heldReservation(db: Db, jobId: string): Promise<TokenReservation | undefined> {
  return db.query.tokenReservations.findFirst({
    where: and(eq(tokenReservations.jobId, jobId), eq(tokenReservations.status, "held")),
    orderBy: (r, { desc }) => [desc(r.createdAt)],
  });
}

/** Returns what a finished job did not spend to the quota. */
export async function releaseReservations(db: Db, jobId: string, now = Date.now()): Promise<void> {
  await db
    .update(tokenReservations)
    .set({ status: "released", releasedAt: new Date(now) })
    .where(and(eq(tokenReservations.jobId, jobId), eq(tokenReservations.status, "held")));
}

export async function releaseReservation(db: Db, reservationId: string, now = Date.now()): Promise<void> {
  await db
    .update(tokenReservations)
    .set({ status: "released", releasedAt: new Date(now) })
    .where(and(eq(tokenReservations.id, reservationId), eq(tokenReservations.status, "held")));
}

/**
 * Moves what one job holds to another (an upload's reservation, held by its
 * parse job, goes to the course job the parse starts), shrinking it to
 * `atMost` when a better estimate is known by then.
 */
export async function handOverReservations(
  db: Db,
  hand: { fromJobId: string; reservationId?: string | null; toJobId: string; atMost?: number },
): Promise<void> {
  const from = hand.reservationId
    ? or(eq(tokenReservations.jobId, hand.fromJobId), eq(tokenReservations.id, hand.reservationId))
    : eq(tokenReservations.jobId, hand.fromJobId);
  await db
    .update(tokenReservations)
    .set({
      jobId: hand.toJobId,
      ...(hand.atMost !== undefined ? { amount: shrunkTo(Math.ceil(hand.atMost)) } : {}),
    })
    .where(and(from, eq(tokenReservations.status, "held")));
}
