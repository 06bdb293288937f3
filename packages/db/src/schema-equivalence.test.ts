/**
 * The D1 schema (schema/) and the PostgreSQL schema (schema-pg/) define the
 * same tables: the same columns with the same kinds of value, nullability,
 * defaults, primary keys, indexes (unique or not) and foreign keys with their
 * delete rules. A change to one that the other lacks fails here.
 */
import { is } from "drizzle-orm";
import { PgTable, pgTable, text } from "drizzle-orm/pg-core";
import { SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import * as d1 from "./schema/index.ts";
import * as pg from "./schema-pg/index.ts";
import { pgShape, sqliteShape } from "./schema-shape.ts";

const d1Tables = Object.values(d1).filter((t) => is(t, SQLiteTable)) as unknown as SQLiteTable[];
const pgTables = Object.values(pg).filter((t) => is(t, PgTable)) as unknown as PgTable[];
const byName = <T extends { name: string }>(shapes: T[]) => Object.fromEntries(shapes.map((s) => [s.name, s]));

describe("the D1 and PostgreSQL schemas", () => {
  it("have the same tables", () => {
    const names = (shapes: { name: string }[]) => shapes.map((s) => s.name).sort();
    expect(d1Tables.length).toBeGreaterThan(20);
    expect(names(pgTables.map(pgShape))).toEqual(names(d1Tables.map(sqliteShape)));
  });

  const pgByName = byName(pgTables.map(pgShape));
  for (const table of d1Tables.map(sqliteShape)) {
    it(`define ${table.name} alike: columns, keys, indexes and foreign keys`, () => {
      expect(pgByName[table.name]).toEqual(table);
    });
  }

  it("tell a table that lacks a column or an index from its twin", () => {
    const twin = d1Tables.map(sqliteShape).find((t) => t.name === "lane_controls")!;
    const short = pgShape(pgTable("lane_controls", { scope: text("scope").notNull() }));
    expect(short).not.toEqual(twin);
  });
});
