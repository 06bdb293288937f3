/**
 * The Chromium the browser tests drive: Debian's package, through playwright-core (which downloads no
 * browser of its own). When it is missing, the e2e global setup installs it with apt-get where it can (as
 * root, on a system with apt-get), so `npm install && npm test` works on a fresh machine; elsewhere the run
 * stops at once with one line saying what to install. `CHROMIUM_PATH` points at any other build.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

const MISSING = `The browser tests need Chromium at ${CHROMIUM}: install Debian's package (sudo apt-get install chromium) or set CHROMIUM_PATH to a Chromium build.`;

/** Runs an apt-get step quietly; on failure, the error carries the end of what it printed. */
function apt(args: string[]): void {
  const run = spawnSync("apt-get", args, {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0)
    throw new Error(
      `${MISSING}\napt-get ${args.join(" ")} failed:\n${`${run.stdout ?? ""}${run.stderr ?? ""}`.trim().split("\n").slice(-15).join("\n")}`,
    );
}

/** Makes sure Chromium is there, installing Debian's package when this machine allows it. */
export function ensureChromium(log: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): void {
  if (existsSync(CHROMIUM)) return;
  const mayInstall =
    !process.env.CHROMIUM_PATH && process.getuid?.() === 0 && spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  if (!mayInstall) throw new Error(MISSING);
  log("Chromium is missing: installing Debian's chromium package for the browser tests (apt-get, once)…");
  apt(["update"]);
  apt(["install", "-y", "--no-install-recommends", "chromium"]);
  if (!existsSync(CHROMIUM)) throw new Error(MISSING);
  log(`Chromium installed at ${CHROMIUM}.`);
}
