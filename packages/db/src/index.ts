/**
 * D1 access through drizzle. `openDb` accepts the database or a Sessions API
 * session, so reads that may go to a replica still see the caller's writes.
 */
import { DrizzleD1Database } from "drizzle-orm/d1";
import { SQLiteD1Session } from "drizzle-orm/d1/session";
import {
  createTableRelationsHelpers,
  type ExtractTablesWithRelations,
  extractTablesRelationalConfig,
  type RelationalSchemaConfig,
} from "drizzle-orm/relations";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
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

/**
 * What `drizzle(d1, { schema })` builds from the schema on every call, built once per isolate: it depends on
 * the schema alone, and rebuilding it cost a request that never touches D1 (a cached lesson read) about a
 * tenth of its CPU.
 */
type Relations = ExtractTablesWithRelations<typeof schema>;
let relational: RelationalSchemaConfig<Relations> | undefined;
const dialect = new SQLiteAsyncDialect();

/** The handle `drizzle(d1, { schema })` makes, over the isolate's one relational config. */
export function openDb(d1: D1Like, options: OpenDbOptions = {}): DrizzleD1Database<typeof schema> & { $client: D1Database } {
  relational ??= (() => {
    const tables = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
    return { fullSchema: schema, schema: tables.tables as Relations, tableNamesMap: tables.tableNamesMap };
  })();
  // drizzle only calls prepare() and batch(); a session has both.
  const client = d1 as D1Database;
  const db = new DrizzleD1Database("async", dialect, new SQLiteD1Session(client, dialect, relational, {}), relational) as DrizzleD1Database<
    typeof schema
  > & { $client: D1Database };
  db.$client = client;
  if (options.accessCache) attachAccessCache(db, options.accessCache);
  return db;
}
export type Db = ReturnType<typeof openDb>;
export * from "./access-cache.ts";
export * from "./course-analytics.ts";
export * from "./course-build.ts";
export * from "./course-catalogue.ts";
export * from "./course-export-source.ts";
export * from "./course-export-store.ts";
export * from "./course-files.ts";
export * from "./course-generation.ts";
export * from "./course-invitation-store.ts";
export * from "./course-outline.ts";
export * from "./course-store.ts";
export * from "./document-library.ts";
export * from "./document-parse.ts";
export * from "./document-store.ts";
export * from "./document-upload.ts";
export * from "./enrolment-store.ts";
export * from "./idempotency-store.ts";
export * from "./job-access.ts";
export * from "./job-enqueue.ts";
export * from "./job-estimates.ts";
export * from "./job-lifecycle.ts";
export * from "./job-metrics.ts";
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
export * from "./write-together.ts";
