/**
 * `npm test`'s vitest runs: the Worker tests (on D1 and on PostgreSQL) and
 * the PostgreSQL data-layer tests in one vitest process, and beside it the
 * end-to-end files on D1 (`e2e`) and on PostgreSQL (`e2e-pg`, then the
 * files that start platforms of their own, `e2e-pg-own-platforms`), each
 * store's in a process of its own.
 *
 * Why three processes: each e2e project shares one platform among its files,
 * so its files run one at a time, and vitest runs such projects one after
 * the other, after everything else. An e2e file spends much of its time
 * waiting (on a lease, a restart, a browser, a model) while the Worker tests
 * keep both cores busy, so the three overlap. Each platform has its own
 * port, state and cluster: nothing is shared but the cores.
 *
 * The e2e runs' output is kept and printed after the Worker tests', so none
 * interleaves with another. Exits non-zero when any run fails.
 *
 *   node scripts/test-suites.ts
 */
import { spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const vitest = join(root, "node_modules", ".bin", "vitest");

interface Run {
  name: string;
  log?: string;
  done: Promise<number>;
  stop(): void;
}

function run(name: string, projects: string[], log?: string): Run {
  const args = ["run", ...projects.flatMap((project) => ["--project", project])];
  const child = spawn(vitest, args, { cwd: root, stdio: log ? ["ignore", "pipe", "pipe"] : "inherit" });
  if (log) {
    const file = createWriteStream(log);
    child.stdout?.pipe(file);
    child.stderr?.pipe(file);
  }
  const done = new Promise<number>((resolve) => {
    child.once("error", () => resolve(1));
    child.once("close", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
  return { name, log, done, stop: () => child.kill("SIGTERM") };
}

const dir = mkdtempSync(join(tmpdir(), "studyhall-test-"));
const runs = [
  run("the end-to-end files on D1 (e2e)", ["e2e"], join(dir, "e2e.log")),
  run("the end-to-end files on PostgreSQL (e2e-pg, e2e-pg-own-platforms)", ["e2e-pg", "e2e-pg-own-platforms"], join(dir, "e2e-pg.log")),
  run("the Worker and data-layer tests", ["!e2e*"]),
];
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const r of runs) r.stop();
  });
}

const codes = await Promise.all(runs.map((r) => r.done));
for (const r of runs) {
  if (!r.log) continue;
  process.stdout.write(`\n── ${r.name}, run alongside ──\n\n`);
  process.stdout.write(readFileSync(r.log, "utf8"));
}
rmSync(dir, { recursive: true, force: true });
const failed = runs.filter((_, i) => codes[i] !== 0);
if (failed.length) process.stdout.write(`\nFailed: ${failed.map((r) => r.name).join("; ")}\n`);
process.exit(failed.length ? 1 : 0);
