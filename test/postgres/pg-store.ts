/**
 * A real PostgreSQL for the data layer's tests: a private cluster from
 * Debian's package (scripts/postgres.ts, installed with apt-get where it is
 * missing) with migrations-pg/ applied, and a drizzle handle over a pool of
 * connections, so concurrent calls really are concurrent transactions. The
 * data layer's modules are loaded with their `./schema/` imports pointed at
 * `./schema-pg/` (see this project in vitest.config.ts): the code under test
 * is the code the workers run, over the PostgreSQL tables.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { Db } from "../../packages/db/src/index.ts";
import * as schema from "../../packages/db/src/schema-pg/index.ts";
import { applyPgMigrations, startPostgres } from "../../scripts/postgres.ts";
import { freePort } from "../e2e/platform.ts";

export { schema };

export interface PgStore {
  /** The data layer's handle: typed as the D1 one, since the modules under test are written against it. */
  db: Db;
  pg: ReturnType<typeof drizzle<typeof schema>>;
  stop(): Promise<void>;
}

export async function startPgStore(connections = 10): Promise<PgStore> {
  const dir = mkdtempSync(join(tmpdir(), "studyhall-pg-store-"));
  const server = startPostgres({ dir, port: await freePort() });
  applyPgMigrations(server.url);
  const client = postgres(server.url, { max: connections, onnotice: () => {} });
  const pg = drizzle(client, { schema });
  return {
    db: pg as unknown as Db,
    pg,
    async stop() {
      await client.end({ timeout: 5 });
      server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An organisation with a teacher, for rows that need an owner. */
export async function newOwner(pg: PgStore["pg"]): Promise<{ orgId: string; userId: string }> {
  const orgId = crypto.randomUUID();
  const userId = crypto.randomUUID();
  await pg.insert(schema.organisations).values({ id: orgId, name: "Org" });
  await pg.insert(schema.users).values({ id: userId, orgId, email: `${userId}@example.test`, name: "Teacher", role: "teacher" });
  return { orgId, userId };
}
