/**
 * D1 access through drizzle. `openDb` accepts the database or a Sessions API
 * session, so reads that may go to a replica still see the caller's writes.
 */
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export * from "./schema";
export * from "./usage";
export * from "./course-access";
export * from "./document-access";

/** What drizzle needs of D1: both `D1Database` and `D1DatabaseSession` provide it. */
export type D1Like = Pick<D1Database, "prepare" | "batch">;

export function openDb(d1: D1Like) {
  // drizzle only calls prepare() and batch(); a session has both.
  return drizzle(d1 as D1Database, { schema });
}
export type Db = ReturnType<typeof openDb>;
export * from "./job-lifecycle";
export * from "./job-queue";
export * from "./document-store";
export * from "./course-generation";
export * from "./lesson-cache";
export * from "./lane-state";
export * from "./job-view";
export * from "./queue-stats";
export * from "./learning-progress";
export * from "./quiz-attempt-store";
export * from "./learning-analytics";
export * from "./session-access";
export * from "./job-scope";
export * from "./job-search";
export * from "./ownership";
export * from "./token-reservations";
export * from "./job-estimates";
