/**
 * Installs Debian packages the tests and scripts need (Chromium, PostgreSQL)
 * on a fresh machine, as root with apt-get. Test files and setups of several
 * projects may ask at the same moment, and dpkg takes one install at a time:
 * a lock directory makes each wait for the one before, and apt-get itself
 * waits for a dpkg lock held by anything else (an unattended upgrade, say).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const LOCK = join(tmpdir(), "studyhall-apt-install.lock");
/** An install takes minutes; a lock older than this was left by a run that died. */
const STALE_MS = 20 * 60_000;
const WAIT_FOR_DPKG = ["-o", "DPkg::Lock::Timeout=600"];

/** Whether this process may install packages: root, on a system with apt-get. */
export function mayInstallPackages(): boolean {
  return process.getuid?.() === 0 && spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function holdLock(): () => void {
  for (;;) {
    try {
      mkdirSync(LOCK);
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > STALE_MS) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // Gone between the two calls: the next mkdir takes it.
      }
      sleep(500);
    }
  }
}

function apt(args: string[]): void {
  const run = spawnSync("apt-get", [...WAIT_FOR_DPKG, ...args], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0)
    throw new Error(
      `apt-get ${args.join(" ")} failed:\n${`${run.stdout ?? ""}${run.stderr ?? ""}`.trim().split("\n").slice(-15).join("\n")}`,
    );
}

/**
 * Installs `packages` unless `installed()` says they are there, checked again once this process holds the
 * lock (whoever held it before may have installed them).
 * @example aptInstall(["chromium"], () => existsSync("/usr/bin/chromium"));
 */
export function aptInstall(packages: string[], installed: () => boolean): void {
  const release = holdLock();
  try {
    if (installed()) return;
    apt(["update"]);
    apt(["install", "-y", "--no-install-recommends", ...packages]);
  } finally {
    release();
  }
}
