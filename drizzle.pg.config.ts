import { defineConfig } from "drizzle-kit";

/** drizzle-kit writes the PostgreSQL migrations here from schema-pg; scripts/postgres.ts applies them. */
export default defineConfig({
  dialect: "postgresql",
  schema: "./packages/db/src/schema-pg/index.ts",
  out: "./migrations-pg",
});
