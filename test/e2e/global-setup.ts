/**
 * Starts the whole platform as `npm run dev` does (every worker in one real
 * `wrangler dev`, fresh local state) on its own port, and hands its URL to the
 * end-to-end tests.
 */
import type { TestProject } from "vitest/node";
import { startPlatform } from "./platform.ts";

export default async function setup(project: TestProject) {
  const platform = await startPlatform();
  project.provide("baseUrl", platform.url);
  return () => platform.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
  }
}
