import type { SessionReportDocument } from "@studyhall/core";
import { jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, timestamp } from "./columns.ts";
import { sessions } from "./sessions.ts";

/** The report of a tutoring session, written by a job from the transcript. */
export const sessionReports = pgTable("session_reports", {
  sessionId: text("session_id")
    .primaryKey()
    .references(() => sessions.id, { onDelete: "cascade" }),
  /** The job writing (or that wrote) the report. */
  jobId: text("job_id").notNull(),
  /** JSON: topics, understood, gaps, recommended lessons, each with transcript quotes. */
  report: jsonb("report").$type<SessionReportDocument>(),
  createdAt: createdAt(),
  completedAt: timestamp("completed_at"),
});

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/session-reports.ts";
