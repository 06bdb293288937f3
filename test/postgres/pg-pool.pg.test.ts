/**
 * The local stand-in for Hyperdrive's pool (scripts/pg-pool.ts), which the
 * Worker tests on PostgreSQL and `npm run dev:pg` reach the cluster through:
 * it reuses server connections, and nothing one client did reaches the next
 * (a setting, a lock, a transaction left open).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPgPool } from "../../scripts/pg-pool.ts";
import { startPostgres } from "../../scripts/postgres.ts";
import { freePort } from "../e2e/platform.ts";

let stop: () => Promise<void>;
let pooled: string;
let direct: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "studyhall-pg-pool-"));
  const port = await freePort();
  const server = startPostgres({ dir, port });
  const pool = await startPgPool({ host: "127.0.0.1", port }, 0);
  direct = server.url;
  pooled = server.url.replace(`:${port}/`, `:${pool.port}/`);
  stop = async () => {
    await pool.stop();
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
});
afterAll(() => stop());

/** One client, as a Worker's request opens one: a connection of its own, ended when it is done. */
async function session<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(pooled, { max: 1, fetch_types: false, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const backend = (sql: postgres.Sql) => sql`select pg_backend_pid() as pid`.then((rows) => rows[0]!.pid as number);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the local connection pool", () => {
  it("serves client after client from the server connection the one before left, with the right answers", async () => {
    const pids = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const [pid, n] = await session(async (sql) => [await backend(sql), (await sql`select ${i}::int + 1 as n`)[0]!.n]);
      expect(n).toBe(i + 1);
      pids.add(pid as number);
      await pause(20);
    }
    expect(pids.size).toBeLessThanOrEqual(2);
  });

  it("hands the next client a connection with nothing of the last one's: no setting, no lock, no prepared statement", async () => {
    const first = await session(async (sql) => {
      await sql`set statement_timeout = 1234`;
      await sql`select pg_advisory_lock(42)`;
      return backend(sql);
    });
    await pause(50);
    const next = await session(async (sql) => {
      const [row] = await sql`
        select pg_backend_pid() as pid, current_setting('statement_timeout') as timeout,
          (select count(*) from pg_locks where locktype = 'advisory')::int as locks,
          (select count(*) from pg_prepared_statements where statement = 'select pg_advisory_lock(42)')::int as prepared`;
      return row!;
    });
    expect(next.pid).toBe(first);
    expect(next).toMatchObject({ timeout: "0", locks: 0, prepared: 0 });
  });

  it("never hands on a connection its client left mid-transaction: the server rolls that transaction back", async () => {
    await session((sql) => sql`create table if not exists pool_probe (n int)`);
    const sql = postgres(pooled, { max: 1, fetch_types: false, onnotice: () => {} });
    const left = await backend(sql);
    const inserted = new Promise<void>((resolve) => {
      sql
        .begin(async (tx) => {
          await tx`insert into pool_probe values (1)`;
          resolve();
          await pause(10_000);
        })
        .catch(() => {});
    });
    await inserted;
    // Gone without a word, as a Worker killed mid-request is.
    await sql.end({ timeout: 0 });
    await pause(200);
    const watcher = postgres(direct, { max: 1, fetch_types: false, onnotice: () => {} });
    try {
      const [row] = await watcher`
        select (select count(*) from pool_probe)::int as rows,
          (select count(*) from pg_stat_activity where pid = ${left})::int as alive`;
      expect(row).toMatchObject({ rows: 0, alive: 0 });
    } finally {
      await watcher.end();
    }
    expect(await session(backend)).not.toBe(left);
  });
});
