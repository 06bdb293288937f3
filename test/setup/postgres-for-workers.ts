/**
 * The PostgreSQL the `workers-pg` and `workers-pg-fresh` projects' runtimes
 * reach through their Hyperdrive binding: one private cluster
 * (scripts/postgres.ts) on the port the configuration chose, with
 * migrations-pg/ applied, shared by both projects and gone after the run;
 * in front of it a pool of its connections (scripts/pg-pool.ts), as
 * Hyperdrive pools a deployment's, which the runtimes' binding reaches; and
 * in front of the pool the proxy that cuts a chosen statement's connection
 * (store-fault-proxy.ts), on a port of its own.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPgPool } from "../../scripts/pg-pool.ts";
import { applyPgMigrations, startPostgres } from "../../scripts/postgres.ts";
import { startFaultProxy } from "./store-fault-proxy.ts";

interface Shared {
  users: number;
  stop(): Promise<void>;
}

// Each project runs its own global setup in this one process; the second finds the cluster the first started.
const KEY = Symbol.for("studyhall.workers-pg.cluster");
const holder = globalThis as { [KEY]?: Shared };

export default async function setup() {
  const port = Number(process.env.STUDYHALL_TEST_PG_PORT);
  const faultPort = Number(process.env.STUDYHALL_TEST_PG_FAULT_PORT);
  const poolPort = Number(process.env.STUDYHALL_TEST_PG_POOL_PORT);
  if (!port || !faultPort || !poolPort)
    throw new Error("STUDYHALL_TEST_PG_PORT is unset: vitest.config.ts sets it for the workers-pg projects");
  if (!holder[KEY]) {
    const dir = mkdtempSync(join(tmpdir(), "studyhall-workers-pg-"));
    const server = startPostgres({ dir, port, log: (line) => console.log(line) });
    applyPgMigrations(server.url);
    const pool = await startPgPool({ host: "127.0.0.1", port }, poolPort);
    const proxy = await startFaultProxy({ host: "127.0.0.1", port: poolPort }, faultPort);
    holder[KEY] = {
      users: 0,
      stop: async () => {
        await proxy.stop();
        await pool.stop();
        server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const shared = holder[KEY];
  shared.users++;
  return async () => {
    if (--shared.users > 0) return;
    holder[KEY] = undefined;
    await shared.stop();
  };
}
