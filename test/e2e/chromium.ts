/**
 * The Chromium the browser tests drive: Debian's package, through playwright-core (which downloads no
 * browser of its own). When it is missing, the e2e global setup installs it with apt-get where it can (as
 * root, on a system with apt-get), so `npm install && npm test` works on a fresh machine; elsewhere the run
 * stops at once with one line saying what to install. `CHROMIUM_PATH` points at any other build.
 */
import { existsSync } from "node:fs";
import { aptInstall, mayInstallPackages } from "../../scripts/apt-install.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

const MISSING = `The browser tests need Chromium at ${CHROMIUM}: install Debian's package (sudo apt-get install chromium) or set CHROMIUM_PATH to a Chromium build.`;

/** Makes sure Chromium is there, installing Debian's package when this machine allows it. */
export function ensureChromium(log: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): void {
  if (existsSync(CHROMIUM)) return;
  if (process.env.CHROMIUM_PATH || !mayInstallPackages()) throw new Error(MISSING);
  log("Chromium is missing: installing Debian's chromium package for the browser tests (apt-get, once)…");
  try {
    aptInstall(["chromium"], () => existsSync(CHROMIUM));
  } catch (error) {
    throw new Error(`${MISSING}\n${(error as Error).message}`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(MISSING);
  log(`Chromium installed at ${CHROMIUM}.`);
}
