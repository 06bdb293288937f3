import { index, integer, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, id } from "./columns.ts";
import { orgRef, userRef } from "./references.ts";

/** Append-only record of metered use (LLM tokens), summed per user and calendar month (UTC). */
export const usageLedger = pgTable(
  "usage_ledger",
  {
    id: id(),
    orgId: orgRef(),
    userId: userRef("user_id"),
    /** `YYYY-MM`, UTC. */
    period: text("period").notNull(),
    metric: text("metric").$type<"llm_tokens">().notNull().default("llm_tokens"),
    amount: integer("amount").notNull(),
    jobId: text("job_id"),
    createdAt: createdAt(),
  },
  (t) => [index("usage_ledger_user_period_idx").on(t.userId, t.period, t.metric)],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/usage-ledger.ts";
