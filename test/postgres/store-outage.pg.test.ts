/**
 * What PostgreSQL really answers, through the data layer's own handle, sorted
 * into an outage (a 503 with Retry-After: try again in a moment) or a refusal
 * (our bug, a 500): a server nobody listens for, a connection the server ends
 * under a request, and a query it refuses.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, type Db, isStoreOutage, openDb } from "../../packages/db/src/index.ts";
import { freePort } from "../e2e/platform.ts";
import { type PgStore, startPgStore } from "./pg-store.ts";

let store: PgStore;

beforeAll(async () => {
  store = await startPgStore();
});

afterAll(async () => {
  await store?.stop();
});

/** The error a statement through `db` ends with. */
async function errorOf(db: Db, statement = sql`select 1`): Promise<unknown> {
  try {
    await (db as unknown as { execute(q: typeof statement): Promise<unknown> }).execute(statement);
  } catch (error) {
    return error;
  }
  throw new Error("the statement did not fail");
}

describe("a PostgreSQL outage, as the data layer meets it", () => {
  it("is a server nobody listens for", async () => {
    const url = `postgresql://studyhall@127.0.0.1:${await freePort()}/studyhall`;
    const db = openDb({
      DB: undefined as unknown as D1Database,
      RELATIONAL_STORE: "postgres",
      HYPERDRIVE: { connectionString: url } as Hyperdrive,
    });
    try {
      expect(isStoreOutage(await errorOf(db))).toBe(true);
    } finally {
      await closeDb(db);
    }
  });

  it("is a connection the server ends under a request", async () => {
    const db = store.racer();
    await (db as unknown as { execute(q: ReturnType<typeof sql>): Promise<unknown> }).execute(sql`select 1`);
    // The server ends every other connection, as a restart or failover would.
    const pid = (await store.pg.execute(sql`select pg_backend_pid() as pid`))[0]!.pid as number;
    await store.pg.execute(
      sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> ${pid}`,
    );
    expect(isStoreOutage(await errorOf(db))).toBe(true);
  });

  it("is not a query the server refuses: that is a bug, and retrying would not fix it", async () => {
    const missingColumn = await errorOf(store.racer(), sql`select secret_column from users`);
    expect((missingColumn as Error).cause).toMatchObject({ name: "PostgresError", code: "42703" });
    expect(isStoreOutage(missingColumn)).toBe(false);
    const divisionByZero = await errorOf(store.racer(), sql`select 1/0`);
    expect(isStoreOutage(divisionByZero)).toBe(false);
  });
});
