/**
 * A real PostgreSQL for the data layer's tests: a private cluster from
 * Debian's package (scripts/postgres.ts, installed with apt-get where it is
 * missing) with migrations-pg/ applied, and a drizzle handle over a pool of
 * connections, so concurrent calls really are concurrent transactions. The
 * data layer's handle is opened as a deployment opens it (`openDb` with
 * `RELATIONAL_STORE = "postgres"` and a Hyperdrive binding's connection
 * string), so the code under test is the code the workers run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { closeDb, type Db, openDb } from "../../packages/db/src/index.ts";
import * as schema from "../../packages/db/src/schema-pg/index.ts";
import { applyPgMigrations, startPostgres } from "../../scripts/postgres.ts";
import { freePort } from "../e2e/platform.ts";

export { schema };

export interface PgStore {
  /** The data layer's handle, opened as a Worker opens it. */
  db: Db;
  /**
   * A handle of its own, as each concurrent request has one: its own connection, so calls raced through
   * racers are concurrent transactions on the server (one handle runs its statements in turn).
   */
  racer(): Db;
  /** `n` racers, each already connected, so a race starts at once rather than as each connection opens. */
  racers(n: number): Promise<Db[]>;
  pg: ReturnType<typeof drizzle<typeof schema>>;
  stop(): Promise<void>;
}

export async function startPgStore(connections = 10): Promise<PgStore> {
  const dir = mkdtempSync(join(tmpdir(), "studyhall-pg-store-"));
  const server = startPostgres({ dir, port: await freePort() });
  applyPgMigrations(server.url);
  const client = postgres(server.url, { max: connections, onnotice: () => {} });
  const pg = drizzle(client, { schema });
  // What a Hyperdrive binding offers the data layer: the string to connect with.
  const hyperdrive = { connectionString: server.url } as Hyperdrive;
  const bindings = { DB: undefined as unknown as D1Database, RELATIONAL_STORE: "postgres", HYPERDRIVE: hyperdrive };
  const db = openDb(bindings);
  const opened: Db[] = [];
  const racer = () => {
    const handle = openDb(bindings);
    opened.push(handle);
    return handle;
  };
  return {
    db,
    racer,
    async racers(n) {
      const handles = Array.from({ length: n }, racer);
      await Promise.all(handles.map((h) => (h as unknown as { execute(q: SQL): Promise<unknown> }).execute(sql`select 1`)));
      return handles;
    },
    pg,
    async stop() {
      await Promise.all([db, ...opened].map(closeDb));
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
