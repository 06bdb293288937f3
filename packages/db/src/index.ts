/**
 * The relational store through drizzle: D1 (the default) or PostgreSQL through a Hyperdrive binding, as the
 * deployment's `RELATIONAL_STORE` says. Callers hand over their bindings and get one handle type; which store
 * is behind it is known only here, in `tables.ts` and in the few statements that must be written per dialect.
 */

import { sql } from "drizzle-orm";
import { DrizzleD1Database } from "drizzle-orm/d1";
import { SQLiteD1Session } from "drizzle-orm/d1/session";
import { PgDialect } from "drizzle-orm/pg-core";
import { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { PostgresJsSession } from "drizzle-orm/postgres-js/session";
import {
  createTableRelationsHelpers,
  type ExtractTablesWithRelations,
  extractTablesRelationalConfig,
  type RelationalSchemaConfig,
} from "drizzle-orm/relations";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import postgres from "postgres";
import { attachAccessCache } from "./access-cache.ts";
import { execute } from "./dialect.ts";
import { workerSocket } from "./pg-worker-socket.ts";
import * as schema from "./schema/index.ts";
import * as pgSchema from "./schema-pg/index.ts";
import { countingClient, statementCounterOf } from "./statement-count.ts";
import { type RelationalStore, useTablesOf } from "./tables.ts";

export * from "./course-access.ts";
export { instant, oneAtATime } from "./dialect.ts";
export * from "./document-access.ts";
export { STATEMENT_COUNTER, type StatementCounter } from "./statement-count.ts";
export * from "./tables.ts";
export * from "./usage.ts";

/** What drizzle needs of D1: both `D1Database` and `D1DatabaseSession` provide it. */
export type D1Like = Pick<D1Database, "prepare" | "batch">;

/** The bindings that name a deployment's relational store (wrangler.toml `RELATIONAL_STORE`, `[[hyperdrive]]`). */
export interface RelationalBindings {
  DB: D1Database;
  /** "d1" (or unset) or "postgres". */
  RELATIONAL_STORE?: string;
  HYPERDRIVE?: Hyperdrive;
}

export interface OpenDbOptions {
  /** Where cached access decisions live: changes to access through this handle invalidate them (see access-cache.ts). */
  accessCache?: KVNamespace;
  /** On D1, read through this Sessions API session instead of the database (see `openRequestDb`). */
  d1Session?: D1DatabaseSession;
}

/** The store `env` names, refusing a configuration that cannot work rather than falling back to another store. */
export function relationalStore(env: RelationalBindings): RelationalStore {
  const named = env.RELATIONAL_STORE?.trim() || "d1";
  if (named === "d1") return "d1";
  if (named !== "postgres") throw new Error(`RELATIONAL_STORE must be "d1" or "postgres", not ${JSON.stringify(named)}`);
  if (!env.HYPERDRIVE) throw new Error('RELATIONAL_STORE is "postgres" but the deployment has no HYPERDRIVE binding');
  return "postgres";
}

/**
 * What `drizzle(client, { schema })` builds from the schema on every call, built once per isolate for each
 * dialect: it depends on the schema alone, and rebuilding it cost a request that never touches the store (a
 * cached lesson read) about a tenth of its CPU.
 */
function relationalConfig<S extends Record<string, unknown>>(tablesOf: S) {
  const tables = extractTablesRelationalConfig(tablesOf, createTableRelationsHelpers);
  return { fullSchema: tablesOf, schema: tables.tables as ExtractTablesWithRelations<S>, tableNamesMap: tables.tableNamesMap };
}
let d1Relations: RelationalSchemaConfig<ExtractTablesWithRelations<typeof schema>> | undefined;
let pgRelations: RelationalSchemaConfig<ExtractTablesWithRelations<typeof pgSchema>> | undefined;
const d1Dialect = new SQLiteAsyncDialect();
const pgDialect = new PgDialect();

function openD1(d1: D1Like): Db {
  d1Relations ??= relationalConfig(schema);
  // drizzle only calls prepare() and batch(); a session has both.
  const client = d1 as D1Database;
  const db = new DrizzleD1Database("async", d1Dialect, new SQLiteD1Session(client, d1Dialect, d1Relations, {}), d1Relations) as Db;
  db.$client = client;
  return db;
}

const inWorker = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === "Cloudflare-Workers";

/** Each PostgreSQL handle's client, once it has one, so `closeDb` can end its connection. */
const pgClients = new WeakMap<object, { opened?: postgres.Sql }>();

/**
 * A PostgreSQL handle over Hyperdrive. A Worker may not carry a connection from one request to the next, so
 * each handle has its own client (Hyperdrive pools the real connections near the database). The client is
 * made on the handle's first statement, so a request that asks the store nothing (a cached lesson read) pays
 * nothing for it, and ends with `closeDb`. One connection: a request's statements run in turn, a
 * transaction holds it while it runs, and a burst of requests opens no more connections than requests.
 */
function openPostgres(hyperdrive: Hyperdrive): Db {
  const held: { opened?: postgres.Sql } = {};
  const client = (): postgres.Sql => {
    held.opened ??= pgClient(hyperdrive.connectionString);
    return held.opened;
  };
  // drizzle's session calls only these two on the client it is given.
  const lazy = {
    unsafe: (...args: Parameters<postgres.Sql["unsafe"]>) => client().unsafe(...args),
    begin: (...args: Parameters<postgres.Sql["begin"]>) => client().begin(...args),
  } as unknown as postgres.Sql;
  const counter = statementCounterOf(hyperdrive);
  const sent = counter ? countingClient(lazy, counter) : lazy;
  pgRelations ??= relationalConfig(pgSchema);
  const pg = new PostgresJsDatabase(pgDialect, new PostgresJsSession(sent, pgDialect, pgRelations, {}), pgRelations);
  // Typed as D1's handle: the data layer is written once, against D1's types; tables.ts gives it pg's tables.
  const db = Object.assign(pg, { $client: sent }) as unknown as Db;
  pgClients.set(db, held);
  return db;
}

function pgClient(connectionString: string): postgres.Sql {
  const client = postgres(connectionString, {
    max: 1,
    fetch_types: false,
    onnotice: () => {},
    // Inside a Worker, a socket that closes quietly (pg-worker-socket.ts); elsewhere (Node tests) postgres.js's own.
    ...(inWorker ? { socket: workerSocket } : {}),
  });
  // As drizzle's postgres-js driver does: dates and JSON pass through postgres.js untouched, drizzle maps them.
  const passThrough = (value: unknown) => value;
  for (const type of [1184, 1082, 1083, 1114, 1182, 1185, 1115, 1231]) {
    client.options.parsers[type] = passThrough;
    client.options.serializers[type] = passThrough;
  }
  client.options.serializers[114] = passThrough;
  client.options.serializers[3802] = passThrough;
  return client;
}

/**
 * The deployment's relational store.
 * @example const db = openDb(env, { accessCache: env.LESSONS }); try { … } finally { await closeDb(db); }
 */
export function openDb(env: RelationalBindings, options: OpenDbOptions = {}): Db {
  const store = relationalStore(env);
  useTablesOf(store);
  const db = store === "postgres" ? openPostgres(env.HYPERDRIVE!) : openD1(options.d1Session ?? env.DB);
  if (options.accessCache) attachAccessCache(db, options.accessCache);
  return db;
}

/** Ends a handle's connections (PostgreSQL); nothing to do on D1. Safe to call on a handle that never queried. */
export async function closeDb(db: Db): Promise<void> {
  await pgClients.get(db)?.opened?.end({ timeout: 5 });
}

/**
 * Runs `work` over a handle of its own and ends its connections after, whatever `work` did.
 * @example const job = await withDb(env, (db) => findJob(db, jobId));
 */
export async function withDb<T>(env: RelationalBindings, work: (db: Db) => Promise<T>, options: OpenDbOptions = {}): Promise<T> {
  const db = openDb(env, options);
  try {
    return await work(db);
  } finally {
    await closeDb(db);
  }
}

/** One round trip to the deployment's relational store, for readiness checks; throws when it cannot be reached. */
export async function pingRelationalStore(env: RelationalBindings): Promise<void> {
  await withDb(env, (db) => execute(db, sql`select 1`));
}

/**
 * A request's handle. On D1 it reads through the Sessions API: `bookmark` is the one the client sent back
 * (so even a replica read sees the caller's own writes), and `bookmarkAfter()` is the one to return. On
 * PostgreSQL every statement goes to the primary through Hyperdrive, so there is no bookmark to carry.
 */
export function openRequestDb(
  env: RelationalBindings,
  request: { bookmark?: string; write: boolean },
  options: Omit<OpenDbOptions, "d1Session"> = {},
): { db: Db; bookmarkAfter(): string | null } {
  if (relationalStore(env) === "postgres") return { db: openDb(env, options), bookmarkAfter: () => null };
  const session = env.DB.withSession(request.bookmark ?? (request.write ? "first-primary" : "first-unconstrained"));
  return { db: openDb(env, { ...options, d1Session: session }), bookmarkAfter: () => session.getBookmark() };
}

export type Db = DrizzleD1Database<typeof schema> & { $client: D1Database };
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
export * from "./store-outage.ts";
export * from "./token-reservations.ts";
export * from "./user-profile.ts";
export * from "./write-together.ts";
