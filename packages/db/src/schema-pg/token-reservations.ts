import { index, integer, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, id, timestamp } from "./columns.ts";
import { orgRef, userRef } from "./references.ts";

/**
 * LLM tokens set aside before work that may spend them, against the owner's monthly quota. While `held`, a
 * reservation's unspent part (`amount - charged`) counts as used, so two requests cannot both pass a nearly
 * spent quota; the work charges what it really used (`charged`, mirrored in the ledger) and never more than
 * `amount`; once it ends the reservation is `released` and the rest returns to the quota.
 */
export const tokenReservations = pgTable(
  "token_reservations",
  {
    id: id(),
    orgId: orgRef(),
    userId: userRef("user_id"),
    /** The job the tokens are for; set once the job exists (an upload reserves for the course job its parse starts). */
    jobId: text("job_id"),
    /** `YYYY-MM`, UTC: the month whose quota the tokens come from. */
    period: text("period").notNull(),
    amount: integer("amount").notNull(),
    charged: integer("charged").notNull().default(0),
    status: text("status").$type<"held" | "released">().notNull().default("held"),
    createdAt: createdAt(),
    /** A reservation nobody released (its job vanished) stops counting after this. */
    expiresAt: timestamp("expires_at").notNull(),
    releasedAt: timestamp("released_at"),
  },
  (t) => [index("token_reservations_user_period_idx").on(t.userId, t.period, t.status), index("token_reservations_job_idx").on(t.jobId)],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/token-reservations.ts";
