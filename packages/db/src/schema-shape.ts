/**
 * A dialect-free description of a drizzle table (its columns, keys, indexes
 * and foreign keys, with each column's kind of value), so the D1 schema and
 * the PostgreSQL one can be compared: schema-equivalence.test.ts says they
 * define the same tables.
 */
import { type PgTable, getTableConfig as pgConfig } from "drizzle-orm/pg-core";
import { type SQLiteTable, getTableConfig as sqliteConfig } from "drizzle-orm/sqlite-core";

/** What a column holds, whichever way the dialect stores it. */
const KINDS: Record<string, string> = {
  SQLiteText: "text",
  PgText: "text",
  SQLiteInteger: "integer",
  PgInteger: "integer",
  SQLiteTextJson: "json",
  PgJsonb: "json",
  SQLiteBoolean: "boolean",
  PgBoolean: "boolean",
  SQLiteTimestamp: "timestamp",
  PgTimestamp: "timestamp",
  SQLiteReal: "float",
  PgDoublePrecision: "float",
};

interface AnyColumn {
  name: string;
  columnType: string;
  notNull: boolean;
  primary: boolean;
  isUnique: boolean;
  hasDefault: boolean;
  default: unknown;
  defaultFn?: unknown;
  onUpdateFn?: unknown;
}

export interface TableShape {
  name: string;
  columns: Record<string, { kind: string; notNull: boolean; primary: boolean; unique: boolean; default: unknown; made: boolean }>;
  primaryKey: string[];
  indexes: Record<string, { columns: string[]; unique: boolean }>;
  foreignKeys: string[];
}

interface AnyConfig {
  name: string;
  columns: AnyColumn[];
  primaryKeys: { columns: { name: string }[] }[];
  indexes: { config: { name: string; unique: boolean; columns: unknown[] } }[];
  foreignKeys: { reference(): { columns: { name: string }[]; foreignColumns: { name: string; table: unknown }[] }; onDelete?: string }[];
}

const tableName = (table: unknown) => (table as Record<symbol, string>)[Symbol.for("drizzle:Name")];

function shapeOf(config: AnyConfig): TableShape {
  const columns: TableShape["columns"] = {};
  for (const c of config.columns) {
    columns[c.name] = {
      kind: KINDS[c.columnType] ?? `unknown ${c.columnType}`,
      notNull: c.notNull,
      primary: c.primary,
      unique: c.isUnique,
      // A default the database applies, as a value both dialects write the same way.
      default: c.hasDefault && c.default !== undefined ? JSON.stringify(c.default) : null,
      // A value the worker makes (an id, a timestamp) instead of the database.
      made: Boolean(c.defaultFn ?? c.onUpdateFn),
    };
  }
  const indexes: TableShape["indexes"] = {};
  for (const i of config.indexes)
    indexes[i.config.name] = { columns: i.config.columns.map((c) => (c as { name: string }).name), unique: Boolean(i.config.unique) };
  return {
    name: config.name,
    columns,
    primaryKey: config.primaryKeys.flatMap((pk) => pk.columns.map((c) => c.name)),
    indexes,
    foreignKeys: config.foreignKeys
      .map((fk) => {
        const ref = fk.reference();
        const target = tableName(ref.foreignColumns[0]!.table);
        return `(${ref.columns.map((c) => c.name)}) -> ${target}(${ref.foreignColumns.map((c) => c.name)}) on delete ${fk.onDelete ?? "no action"}`;
      })
      .sort(),
  };
}

export const sqliteShape = (table: SQLiteTable): TableShape => shapeOf(sqliteConfig(table) as unknown as AnyConfig);
export const pgShape = (table: PgTable): TableShape => shapeOf(pgConfig(table) as unknown as AnyConfig);
