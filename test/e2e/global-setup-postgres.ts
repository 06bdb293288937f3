/**
 * The `e2e-pg` project's platform: the same `npm run dev` as global-setup.ts,
 * with PostgreSQL as the relational store (`--store postgres`: a private
 * cluster reached through the Hyperdrive binding), for the files that run on
 * both stores. Files that start platforms of their own start them on
 * PostgreSQL too.
 */
import type { TestProject } from "vitest/node";
import { ensureChromium } from "./chromium.ts";
import { startPlatform } from "./platform.ts";

export default async function setup(project: TestProject) {
  ensureChromium();
  const platform = await startPlatform({ store: "postgres", label: "e2e-pg", vars: { RATE_LIMIT_AUTH_PER_MIN: "1000" } });
  project.provide("baseUrl", platform.url);
  project.provide("store", "postgres");
  return () => platform.stop();
}
