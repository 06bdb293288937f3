/**
 * The tests' own handle on the relational store, opened as the workers open
 * it (so under `workers-pg` it is PostgreSQL). One per test: on PostgreSQL a
 * handle holds a connection, which the setup file ends after each test
 * (test/setup/apply-migrations.ts) instead of leaving the runtime to cut it.
 */
import { env } from "cloudflare:test";
import { closeDb, type Db, openDb } from "@studyhall/db";

let open: Db | undefined;

export function testDb(): Db {
  open ??= openDb(env);
  return open;
}

export async function closeTestDb(): Promise<void> {
  const db = open;
  open = undefined;
  if (db) await closeDb(db);
}
