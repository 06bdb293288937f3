/**
 * The two foreign keys nearly every table has: the owning organisation, and a
 * user. Deleting either deletes what hangs off it. (Kept apart from
 * columns.ts, which the organisations and users tables themselves import.)
 */
import { text } from "drizzle-orm/pg-core";
import { organisations } from "./organisations.ts";
import { users } from "./users.ts";

/** `org_id`, required, cascading from the organisation. */
export const orgRef = () =>
  text("org_id")
    .notNull()
    .references(() => organisations.id, { onDelete: "cascade" });

/** A required user column, cascading from the user. */
export const userRef = (name: string) =>
  text(name)
    .notNull()
    .references(() => users.id, { onDelete: "cascade" });
