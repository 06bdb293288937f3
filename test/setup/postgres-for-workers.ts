/**
 * The PostgreSQL the `workers-pg` and `workers-pg-fresh` projects' runtimes
 * reach through their Hyperdrive binding: one private cluster
 * (scripts/postgres.ts) on the port the configuration chose, with
 * migrations-pg/ applied, shared by both projects and gone after the run;
 * and in front of it the proxy that cuts a chosen statement's connection
 * (store-fault-proxy.ts), on a port of its own.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
  if (!port || !faultPort) throw new Error("STUDYHALL_TEST_PG_PORT is unset: vitest.config.ts sets it for the workers-pg projects");
  if (!holder[KEY]) {
    const dir = mkdtempSync(join(tmpdir(), "studyhall-workers-pg-"));
    const server = startPostgres({ dir, port, log: (line) => console.log(line) });
    applyPgMigrations(server.url);
    const proxy = await startFaultProxy({ host: "127.0.0.1", port }, faultPort);
    holder[KEY] = {
      users: 0,
      stop: async () => {
        await proxy.stop();
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
