/** Applies the D1 migrations to the test database before each test file (already-applied ones are skipped). */
import { applyD1Migrations, env } from "cloudflare:test";
import { afterEach } from "vitest";
import { closeTestDb } from "../helpers/test-db.ts";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
      TEST_RETIRED_KEY: string;
      TEST_IDP_KEY: string;
      JWT_SIGNING_KEYS: string;
      OIDC_ISSUER: string;
      OIDC_AUDIENCE: string;
      /** On PostgreSQL: the port of the proxy that cuts a chosen statement's connection (store-fault-proxy.ts). */
      TEST_STORE_FAULT_PORT?: string;
    }
  }
}

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// A PostgreSQL test handle holds a connection: end it with the test.
afterEach(closeTestDb);
