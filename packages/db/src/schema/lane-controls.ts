import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { JobLane } from "./jobs";
import { timestamp } from "./columns";

/** Operator switches per priority lane: a paused lane takes nothing new and loses nothing. */
export const laneControls = sqliteTable("lane_controls", {
  lane: text("lane").$type<JobLane>().primaryKey(),
  paused: integer("paused", { mode: "boolean" }).notNull().default(false),
  updatedBy: text("updated_by"),
  updatedAt: timestamp("updated_at"),
});
export type LaneControl = typeof laneControls.$inferSelect;
