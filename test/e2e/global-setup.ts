/**
 * Makes sure the browser tests have their Chromium (chromium.ts), then starts
 * the whole platform as `npm run dev` does (every worker in one real
 * `wrangler dev`, fresh local state) on its own port, and hands its URL to the
 * end-to-end tests.
 */
import type { TestProject } from "vitest/node";
import { ensureChromium } from "./chromium.ts";
import { startPlatform } from "./platform.ts";

export default async function setup(project: TestProject) {
  // Before anything starts: a machine that cannot run the browser tests says so in one line.
  ensureChromium();
  // Every e2e file, the browser included, signs in from this one machine; the per-IP sign-in limit
  // (tested exactly in the workerd suite) would otherwise make the files depend on each other's pace.
  const platform = await startPlatform({ vars: { RATE_LIMIT_AUTH_PER_MIN: "1000" } });
  project.provide("baseUrl", platform.url);
  project.provide("store", "d1");
  return () => platform.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    /** The relational store of this project's platforms: files that start platforms of their own start them on it too. */
    store: "d1" | "postgres";
  }
}
