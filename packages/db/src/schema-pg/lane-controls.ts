import { boolean, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import type { JobLane } from "../schema/jobs.ts";
import { PLATFORM_SCOPE } from "../schema/lane-controls.ts";
import { timestamp } from "./columns.ts";

/**
 * Pause switches per priority lane and scope: an organisation's admins pause their own organisation's jobs
 * (`scope` is its id); platform operators pause a lane for everyone (`scope` is `platform`). A paused job
 * waits and loses nothing.
 */
export const laneControls = pgTable(
  "lane_controls",
  {
    scope: text("scope").notNull().default(PLATFORM_SCOPE),
    lane: text("lane").$type<JobLane>().notNull(),
    paused: boolean("paused").notNull().default(false),
    updatedBy: text("updated_by"),
    updatedAt: timestamp("updated_at"),
  },
  (t) => [primaryKey({ columns: [t.scope, t.lane] })],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/lane-controls.ts";
