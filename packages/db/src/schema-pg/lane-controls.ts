import { boolean, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { timestamp } from "./columns.ts";
import type { JobLane } from "./jobs.ts";

/** The scope of a lane switch that holds every organisation's jobs: only platform operators set it. */
export const PLATFORM_SCOPE = "platform";

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
export type LaneControl = typeof laneControls.$inferSelect;
