import { defineConfig } from "drizzle-kit";

/** drizzle-kit writes SQL migrations here; wrangler applies them (`wrangler d1 migrations apply`). */
export default defineConfig({
  dialect: "sqlite",
  schema: "./packages/db/src/schema/index.ts",
  out: "./migrations",
});
