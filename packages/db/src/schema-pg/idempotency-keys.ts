import { integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { createdAt } from "./columns.ts";

/**
 * The first response to each `Idempotency-Key` a user sent to a route that
 * creates work: a retry with the same key and body gets it again; the same
 * key with another body is refused.
 */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    ownerId: text("owner_id").notNull(),
    key: text("key").notNull(),
    /** `METHOD /path` the key was used on. */
    route: text("route").notNull(),
    requestHash: text("request_hash").notNull(),
    status: integer("status").notNull(),
    /** JSON response body. */
    body: text("body").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.key] })],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/idempotency-keys.ts";
