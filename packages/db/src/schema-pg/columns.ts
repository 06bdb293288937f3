/** Column helpers every table shares, so ids and timestamps look the same everywhere. */
import { timestamp as pgTimestamp, text } from "drizzle-orm/pg-core";

/** A random UUID primary key, made by the worker. */
export const id = () =>
  text("id")
    .primaryKey()
    .$defaultFn(() => crypto.randomUUID());

/** A point in time to the millisecond (as D1 keeps it), with its time zone, read as a Date. */
export const timestamp = (name: string) => pgTimestamp(name, { mode: "date", precision: 3, withTimezone: true });

export const createdAt = () =>
  timestamp("created_at")
    .notNull()
    .$defaultFn(() => new Date());
export const updatedAt = () =>
  timestamp("updated_at")
    .notNull()
    .$defaultFn(() => new Date())
    .$onUpdateFn(() => new Date());
