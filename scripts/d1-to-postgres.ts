/**
 * Moves a deployment's relational data from D1 to PostgreSQL: every table of
 * the schema, parents before children, in one transaction, each value turned
 * into its PostgreSQL form by the column's kind (milliseconds to
 * `timestamptz`, 0/1 to `boolean`, JSON text to `jsonb`), then every table's
 * row count compared. The target gets migrations-pg/ first and must hold no
 * rows yet, so a move is never applied twice or on top of live data.
 *
 * The source is D1's SQLite: a local state file (`npm run dev` keeps it under
 * .wrangler/state/v3/d1/) or a remote database's export:
 *
 *   npx wrangler d1 export DB --remote --output d1.sql
 *   node scripts/d1-to-postgres.ts --dump d1.sql --postgres postgres://user@host:5432/studyhall
 *   node scripts/d1-to-postgres.ts --sqlite .wrangler/state/v3/d1/miniflare-D1DatabaseObject/<id>.sqlite --postgres …
 */
import { readFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { is } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import * as schema from "../packages/db/src/schema-pg/index.ts";
import { pgShape, type TableShape } from "../packages/db/src/schema-shape.ts";
import { applyPgMigrations, psql } from "./postgres.ts";

const tables = (Object.values(schema).filter((t) => is(t, PgTable)) as unknown as PgTable[]).map(pgShape);

/** Tables in an order where every table comes after those its foreign keys point at. */
export function parentsFirst(shapes: TableShape[]): TableShape[] {
  const byName = new Map(shapes.map((t) => [t.name, t]));
  const ordered: TableShape[] = [];
  const seen = new Set<string>();
  const visit = (table: TableShape) => {
    if (seen.has(table.name)) return;
    seen.add(table.name);
    for (const fk of table.foreignKeys) {
      const target = /-> (\w+)\(/.exec(fk)?.[1];
      if (target && target !== table.name) visit(byName.get(target)!);
    }
    ordered.push(table);
  };
  for (const table of shapes) visit(table);
  return ordered;
}

/** One value as COPY's CSV wants it: unquoted empty for NULL, everything else quoted. */
function csvValue(value: unknown, kind: string): string {
  if (value === null || value === undefined) return "";
  let text: string;
  if (kind === "timestamp") text = new Date(Number(value)).toISOString();
  else if (kind === "boolean") text = Number(value) ? "t" : "f";
  else text = String(value);
  return `"${text.replaceAll('"', '""')}"`;
}

/** Every table's row count in the target, in one query. */
function rowCounts(url: string, shapes: TableShape[]): Record<string, number> {
  const sql = shapes.map((t) => `select '${t.name}', count(*) from "${t.name}"`).join(" union all ");
  const lines = psql(url, ["-F", "\t", "-c", sql]).trim().split("\n");
  return Object.fromEntries(lines.map((line) => [line.split("\t")[0], Number(line.split("\t")[1])]));
}

export interface MoveResult {
  /** Rows moved per table, equal on both sides. */
  rows: Record<string, number>;
}

/**
 * @example const { rows } = moveD1ToPostgres(new DatabaseSync(file, { readOnly: true }), "postgres://…");
 * @throws when the target already holds rows, or when a table's count differs after the move
 */
export function moveD1ToPostgres(source: DatabaseSync, url: string): MoveResult {
  applyPgMigrations(url);
  const ordered = parentsFirst(tables);
  const before = rowCounts(url, ordered);
  const occupied = ordered.filter((t) => before[t.name]! > 0);
  if (occupied.length)
    throw new Error(`The target already holds rows in ${occupied.map((t) => t.name).join(", ")}; move into an empty database.`);

  const script: string[] = ["begin;"];
  const rows: Record<string, number> = {};
  for (const table of ordered) {
    const columns = Object.entries(table.columns);
    const names = columns.map(([name]) => `"${name}"`).join(", ");
    const read = source.prepare(`select ${names} from "${table.name}"`);
    read.setReadBigInts(false);
    const found = read.all() as Record<string, unknown>[];
    rows[table.name] = found.length;
    if (!found.length) continue;
    script.push(`copy "${table.name}" (${names}) from stdin with (format csv);`);
    for (const row of found) script.push(columns.map(([name, c]) => csvValue(row[name], c.kind)).join(","));
    script.push("\\.");
  }
  script.push("commit;");
  psql(url, ["-f", "-"], `${script.join("\n")}\n`);

  const after = rowCounts(url, ordered);
  const differ = ordered.filter((t) => after[t.name] !== rows[t.name]);
  if (differ.length) throw new Error(`Row counts differ after the move in ${differ.map((t) => t.name).join(", ")}.`);
  return { rows };
}

/** A D1 export (`wrangler d1 export`) loaded into an in-memory SQLite database. */
export function loadDump(file: string): DatabaseSync {
  const db = new DatabaseSync(":memory:");
  db.exec(readFileSync(file, "utf8"));
  return db;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { sqlite: { type: "string" }, dump: { type: "string" }, postgres: { type: "string" } } });
  if (!values.postgres || (!values.sqlite && !values.dump)) {
    console.error("usage: node scripts/d1-to-postgres.ts (--sqlite <file> | --dump <d1 export .sql>) --postgres <connection string>");
    process.exit(2);
  }
  const source = values.sqlite ? new DatabaseSync(values.sqlite, { readOnly: true }) : loadDump(values.dump!);
  const { rows } = moveD1ToPostgres(source, values.postgres);
  for (const [table, n] of Object.entries(rows)) console.log(`${table}: ${n} rows`);
  console.log(`moved ${Object.values(rows).reduce((a, b) => a + b, 0)} rows in ${Object.keys(rows).length} tables`);
}
