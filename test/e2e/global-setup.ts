/**
 * Starts the whole platform as `npm run dev` does (every worker in one real
 * `wrangler dev`, fresh local state) on its own port, and hands its URL to the
 * end-to-end tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

let child: ChildProcess | undefined;
let state: string | undefined;

export default async function setup(project: TestProject) {
  state = mkdtempSync(join(tmpdir(), "studyhall-e2e-"));
  const port = 18_000 + Math.floor(Math.random() * 2000);
  const root = new URL("../..", import.meta.url).pathname;
  child = spawn(process.execPath, ["scripts/dev.mjs", "--port", String(port), "--persist-to", state, "--quiet"], {
    cwd: root,
    env: { ...process.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wrangler dev did not start:\n${output}`)), 150_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /STUDYHALL_READY (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child!.stdout!.on("data", onData);
    child!.stderr!.on("data", onData);
    child!.on("exit", (code) => reject(new Error(`dev server exited with ${code}:\n${output}`)));
  });
  project.provide("baseUrl", url);

  return async () => {
    if (child?.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      await new Promise((r) => setTimeout(r, 500));
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }
    if (state) rmSync(state, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
  }
}
