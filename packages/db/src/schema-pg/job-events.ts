import type { JobError } from "@studyhall/core";
import { index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import type { JobEventType } from "../schema/job-events.ts";
import { id, timestamp } from "./columns.ts";
import { jobs } from "./jobs.ts";

/** A job's history: every state change and progress step, with the attempt it belongs to. */
export const jobEvents = pgTable(
  "job_events",
  {
    id: id(),
    jobId: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    type: text("type").$type<JobEventType>().notNull(),
    attempt: integer("attempt").notNull().default(0),
    progress: integer("progress"),
    stage: text("stage"),
    /** JSON problem, for failures and retries. */
    error: jsonb("error").$type<JobError>(),
    at: timestamp("at").notNull(),
  },
  (t) => [index("job_events_job_idx").on(t.jobId, t.at)],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/job-events.ts";
