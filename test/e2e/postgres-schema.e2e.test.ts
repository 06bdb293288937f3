/**
 * The PostgreSQL schema on a real PostgreSQL: a private cluster from
 * Debian's package (scripts/postgres.ts, installed with apt-get where it is
 * missing), the drizzle-kit migrations in migrations-pg/ applied to it, and
 * what the database then holds compared with packages/db/src/schema-pg, the
 * source the migrations were generated from. The constraints the platform
 * leans on are tried as a client would meet them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { is } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../packages/db/src/schema-pg/index.ts";
import { pgShape } from "../../packages/db/src/schema-shape.ts";
import { applyPgMigrations, psql, startPostgres } from "../../scripts/postgres.ts";
import { freePort } from "./platform.ts";

const tables = (Object.values(schema).filter((t) => is(t, PgTable)) as unknown as PgTable[]).map(pgShape);

let dir: string;
let pg: { url: string; stop(): void };
let firstApplied: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "studyhall-pg-"));
  pg = startPostgres({ dir, port: await freePort() });
  firstApplied = applyPgMigrations(pg.url);
});

afterAll(() => {
  pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const query = (sql: string) => psql(pg.url, ["-c", sql]).trim();
/** The SQLSTATE a statement fails with, or "ok". */
const outcome = (sql: string) => {
  try {
    psql(pg.url, ["-c", "\\set VERBOSITY sqlstate", "-c", sql]);
    return "ok";
  } catch (error) {
    return (
      /\b(\d[0-9A-Z]{4})\b/.exec(
        String((error as Error).message)
          .split("\n")
          .slice(1)
          .join("\n"),
      )?.[1] ?? String(error)
    );
  }
};

describe("the PostgreSQL migrations on a real PostgreSQL", () => {
  it("apply in order once: a second run applies nothing", () => {
    expect(firstApplied.length).toBeGreaterThan(0);
    expect(applyPgMigrations(pg.url)).toEqual([]);
  });

  it("create exactly the tables of the PostgreSQL schema", () => {
    const present = query(
      "select table_name from information_schema.tables where table_schema = 'public' and table_name <> 'studyhall_migrations' order by 1",
    ).split("\n");
    expect(present).toEqual(tables.map((t) => t.name).sort());
  });

  it("give every table the schema's columns, nullability and indexes", () => {
    const grouped = (sql: string) => {
      const byTable: Record<string, string[]> = {};
      for (const line of query(sql).split("\n")) {
        const [table, entry] = line.split("|");
        byTable[table!] = [...(byTable[table!] ?? []), entry!];
      }
      return byTable;
    };
    const columns = grouped(
      "select table_name, column_name || ':' || is_nullable from information_schema.columns where table_schema = 'public' order by 1, 2",
    );
    const indexes = grouped("select tablename, indexname from pg_indexes where schemaname = 'public'");
    for (const table of tables) {
      const expected = Object.entries(table.columns)
        .map(([name, c]) => `${name}:${c.notNull || c.primary || table.primaryKey.includes(name) ? "NO" : "YES"}`)
        .sort();
      expect(columns[table.name], table.name).toEqual(expected);
      for (const name of Object.keys(table.indexes)) expect(indexes[table.name], table.name).toContain(name);
    }
  });

  it("refuse a second copy of an owner's file, and delete an organisation with everything that hangs off it", () => {
    const now = "now()";
    query(`insert into organisations (id, name, created_at) values ('org-1', 'School', ${now})`);
    query(
      `insert into users (id, org_id, email, name, role, created_at, updated_at) values ('u-1', 'org-1', 'a@example.test', 'A', 'teacher', ${now}, ${now})`,
    );
    const document = (id: string) =>
      `insert into documents (id, org_id, owner_id, title, r2_key, sha256, bytes, status, created_at, updated_at) values ('${id}', 'org-1', 'u-1', 'T', 'k/${id}', 'same-sha', 10, 'uploaded', ${now}, ${now})`;
    expect(outcome(document("d-1"))).toBe("ok");
    // unique_violation: the (owner, sha256) index the upload relies on to find a file already uploaded.
    expect(outcome(document("d-2"))).toBe("23505");
    // foreign_key_violation: a document of a user that does not exist.
    expect(outcome(document("d-3").replace("'u-1'", "'nobody'"))).toBe("23503");

    query("delete from organisations where id = 'org-1'");
    expect(query("select count(*) from users where org_id = 'org-1'")).toBe("0");
    expect(query("select count(*) from documents where org_id = 'org-1'")).toBe("0");
  });
});
