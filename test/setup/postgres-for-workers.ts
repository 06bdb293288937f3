/**
 * The PostgreSQL the `workers-pg` project's runtime reaches through its
 * Hyperdrive binding: a private cluster (scripts/postgres.ts) on the port the
 * configuration chose, with migrations-pg/ applied, gone after the run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyPgMigrations, startPostgres } from "../../scripts/postgres.ts";

export default function setup() {
  const port = Number(process.env.STUDYHALL_TEST_PG_PORT);
  if (!port) throw new Error("STUDYHALL_TEST_PG_PORT is unset: vitest.config.ts sets it for the workers-pg project");
  const dir = mkdtempSync(join(tmpdir(), "studyhall-workers-pg-"));
  const server = startPostgres({ dir, port, log: (line) => console.log(line) });
  applyPgMigrations(server.url);
  return () => {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
