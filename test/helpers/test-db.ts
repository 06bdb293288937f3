/**
 * The tests' own handle on the relational store, opened as the workers open
 * it (so under `workers-pg` it is PostgreSQL). One per test: on PostgreSQL a
 * handle holds a connection, which the setup file ends after each test
 * (test/setup/apply-migrations.ts) instead of leaving the runtime to cut it.
 */
import { env } from "cloudflare:test";
import { closeDb, type Db, openDb, relationalStore } from "@studyhall/db";
import { sql } from "drizzle-orm";

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

/**
 * Makes the store itself refuse inserting the rows of `table` whose `column` is `value`, with `message`, as a
 * constraint would: a trigger, in SQLite's words on D1 and in PL/pgSQL on PostgreSQL. Only those rows are
 * refused, so other tests sharing the database see nothing. Returns what removes it.
 */
export async function refuseInserts(table: string, column: string, value: string, message: string): Promise<() => Promise<void>> {
  for (const part of [table, column, value, message])
    if (!/^[\w .:-]+$/.test(part)) throw new Error(`refuseInserts takes plain names and values, not ${JSON.stringify(part)}`);
  const name = `refuse_${crypto.randomUUID().replaceAll("-", "")}`;
  const db = testDb() as unknown as {
    run?(q: ReturnType<typeof sql.raw>): Promise<unknown>;
    execute?(q: ReturnType<typeof sql.raw>): Promise<unknown>;
  };
  const onPostgres = relationalStore(env) === "postgres";
  const exec = (statement: string) => (onPostgres ? db.execute!(sql.raw(statement)) : db.run!(sql.raw(statement)));
  if (onPostgres) {
    await exec(`create function ${name}() returns trigger language plpgsql as $$ begin raise exception '${message}'; end $$`);
    await exec(
      `create trigger ${name} before insert on ${table} for each row when (new.${column} = '${value}') execute function ${name}()`,
    );
    return async () => {
      await exec(`drop trigger ${name} on ${table}`);
      await exec(`drop function ${name}()`);
    };
  }
  await exec(
    `create trigger ${name} before insert on ${table} when new.${column} = '${value}' begin select raise(abort, '${message}'); end`,
  );
  return async () => {
    await exec(`drop trigger ${name}`);
  };
}
