/**
 * D1 access through drizzle. `openDb` accepts the database or a Sessions API
 * session, so reads that may go to a replica still see the caller's writes.
 */
import { drizzle } from "drizzle-orm/d1";
import { attachAccessCache } from "./access-cache.ts";
import * as schema from "./schema/index.ts";

export * from "./course-access.ts";
export * from "./document-access.ts";
export * from "./schema/index.ts";
export * from "./usage.ts";

/** What drizzle needs of D1: both `D1Database` and `D1DatabaseSession` provide it. */
export type D1Like = Pick<D1Database, "prepare" | "batch">;

export interface OpenDbOptions {
  /** Where cached access decisions live: changes to access through this handle invalidate them (see access-cache.ts). */
  accessCache?: KVNamespace;
}

export function openDb(d1: D1Like, options: OpenDbOptions = {}) {
  // drizzle only calls prepare() and batch(); a session has both.
  const db = drizzle(d1 as D1Database, { schema });
  if (options.accessCache) attachAccessCache(db, options.accessCache);
  return db;
}
export type Db = ReturnType<typeof openDb>;
export * from "./access-cache.ts";
export * from "./course-analytics.ts";
export * from "./course-catalogue.ts";
export * from "./course-export-store.ts";
export * from "./course-files.ts";
export * from "./course-generation.ts";
export * from "./course-invitation-store.ts";
export * from "./course-outline.ts";
export * from "./course-store.ts";
export * from "./document-library.ts";
export * from "./document-store.ts";
export * from "./document-upload.ts";
export * from "./enrolment-store.ts";
export * from "./job-access.ts";
export * from "./job-enqueue.ts";
export * from "./job-estimates.ts";
export * from "./job-lifecycle.ts";
export * from "./job-orphans.ts";
export * from "./job-products.ts";
export * from "./job-queue.ts";
export * from "./job-retry.ts";
export * from "./job-scope.ts";
export * from "./job-search.ts";
export * from "./job-sweep.ts";
export * from "./job-view.ts";
export * from "./lane-state.ts";
export * from "./learning-analytics.ts";
export * from "./learning-progress.ts";
export * from "./lesson-access-cache.ts";
export * from "./lesson-cache.ts";
export * from "./lesson-reads.ts";
export * from "./organisation-settings.ts";
export * from "./ownership.ts";
export * from "./practice-bank.ts";
export * from "./practice-generation.ts";
export * from "./practice-trending.ts";
export * from "./queue-stats.ts";
export * from "./quiz-attempt-store.ts";
export * from "./quiz-taking.ts";
export * from "./session-access.ts";
export * from "./session-report-store.ts";
export * from "./session-store.ts";
export * from "./token-reservations.ts";
export * from "./user-profile.ts";
