/**
 * The few statements that cannot be written once for both stores, each named
 * for what it does. Everything else in the data layer is written in SQL both
 * SQLite (D1) and PostgreSQL accept, over the tables of `tables.ts`.
 */
import { type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { Db } from "./index.ts";
import { jobs, storeInUse } from "./tables.ts";

const onPostgres = () => storeInUse() === "postgres";

/** What a PostgreSQL handle offers in place of D1's `run`/`all`. */
interface PgHandle {
  execute(query: SQL): Promise<Record<string, unknown>[] & { count: number }>;
  transaction<R>(work: (tx: Db) => Promise<R>): Promise<R>;
}
const pg = (db: Db) => db as unknown as PgHandle;

/** Runs a raw statement; returns how many rows it changed. */
export async function execute(db: Db, query: SQL): Promise<number> {
  if (onPostgres()) return (await pg(db).execute(query)).count;
  return (await db.run(query)).meta.changes;
}

/** The rows of a raw query, as the driver returns them (see `msOf` and `Number` for times and counts). */
export async function selectAll<T>(db: Db, query: SQL): Promise<T[]> {
  if (onPostgres()) return (await pg(db).execute(query)) as unknown as T[];
  return db.all<T>(query);
}

/**
 * A point in time as a parameter of a raw statement, in the store's own form (milliseconds on D1, a
 * timestamp on PostgreSQL): it goes through a timestamp column's own mapping. PostgreSQL is told the
 * type, since a parameter in a select list (INSERT … SELECT) would otherwise be taken for text.
 */
export function instant(at: number | Date | null): SQL {
  const param = at === null ? null : sql.param(at instanceof Date ? at : new Date(at), jobs.createdAt);
  return onPostgres() ? sql`cast(${param} as timestamptz)` : sql`${param}`;
}

/** A time a raw query returned (milliseconds from D1, text or a Date from PostgreSQL), in milliseconds. */
export function msOf(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (value instanceof Date) return value.getTime();
  // PostgreSQL's text form: "2026-12-02 18:00:00.123+00".
  const iso = String(value)
    .replace(" ", "T")
    .replace(/([+-]\d\d)$/, "$1:00");
  return Date.parse(iso);
}

/** JSON text as a parameter for a JSON column (PostgreSQL's jsonb must be told, as `instant` explains). */
export function jsonParam(text: string): SQL {
  return onPostgres() ? sql`cast(${text} as jsonb)` : sql`${text}`;
}

/** The text of a top-level field of a JSON column. */
export function jsonText(column: SQLWrapper, field: string): SQL {
  if (!/^\w+$/.test(field)) throw new Error(`not a JSON field name: ${field}`);
  return onPostgres() ? sql`(${column} ->> ${field})` : sql`json_extract(${column}, ${`$.${field}`})`;
}

/** The value a JSON object column holds under the key `key` (an SQL expression), comparable with `jsonValue`. */
export function jsonMember(column: SQLWrapper | SQL, key: SQL): SQL {
  return onPostgres() ? sql`(${column} -> ${key})` : sql`json_extract(${column}, '$."' || ${key} || '"')`;
}

/** The value of a JSON column, comparable with `jsonMember`. */
export function jsonValue(column: SQLWrapper | SQL): SQL {
  return onPostgres() ? sql`${column}` : sql`json_extract(${column}, '$')`;
}

/**
 * `column` is one of `values`, bound as one parameter (a JSON array) however many there are: D1 allows
 * 100 parameters a statement, and an organisation's members outnumber that.
 */
export function inList(column: SQLWrapper, values: readonly string[]): SQL {
  const list = JSON.stringify(values);
  return onPostgres()
    ? sql`${column} in (select jsonb_array_elements_text(cast(${list} as jsonb)))`
    : sql`${column} in (select value from json_each(${list}))`;
}

/** A JSON array column holds `text`, compared without regard to case. */
export function jsonArrayHas(column: SQLWrapper, text: string): SQL {
  return onPostgres()
    ? sql`exists (select 1 from jsonb_array_elements_text(${column}) as item(value) where lower(item.value) = lower(${text}))`
    : sql`exists (select 1 from json_each(${column}) where lower(json_each.value) = lower(${text}))`;
}

/** Merges a JSON object into an object column; keys set to null are removed (RFC 7396, as D1's json_patch). */
export function jsonMerge(column: SQLWrapper, patch: Record<string, unknown>): SQL {
  const text = JSON.stringify(patch);
  return onPostgres()
    ? sql`jsonb_strip_nulls(coalesce(${column}, '{}'::jsonb) || cast(${text} as jsonb))`
    : sql`json_patch(coalesce(${column}, '{}'), ${text})`;
}

/**
 * `pattern` (with `%`, `_` and `\` escaped by `\`) matches `column`'s text, ignoring case as SQLite's LIKE
 * does for ASCII.
 */
export function likeText(column: SQLWrapper | SQL, pattern: string): SQL {
  return onPostgres() ? sql`cast(${column} as text) ilike ${pattern} escape '\\'` : sql`${column} like ${pattern} escape '\\'`;
}

/** The seconds from one timestamp column to another. */
export function secondsBetween(from: SQLWrapper | SQL, to: SQLWrapper | SQL): SQL<number> {
  return onPostgres() ? sql<number>`extract(epoch from (${to} - ${from}))` : sql<number>`((${to} - ${from}) / 1000.0)`;
}

/**
 * Runs `work` so that no other `oneAtATime` of the same key runs in between: for a check and a write that
 * must see each other (a quota, an attempt limit). D1 runs one statement at a time, so a single conditional
 * statement is enough there; under PostgreSQL's READ COMMITTED two such statements can both pass, so it
 * takes a transaction-scoped advisory lock on the key first.
 */
export async function oneAtATime<T>(db: Db, key: string, work: (q: Db) => Promise<T>): Promise<T> {
  if (!onPostgres()) return work(db);
  return pg(db).transaction(async (tx) => {
    await pg(tx).execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
    return work(tx);
  });
}
