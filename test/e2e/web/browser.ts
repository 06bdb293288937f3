/**
 * A real headless Chromium for the web pages' end-to-end tests: Debian's
 * /usr/bin/chromium driven by playwright-core (no browser download), with a
 * fresh profile each time and every background connection off (on a closed
 * network Chromium's own calls home are refused and would only add noise).
 * It records what a user would notice going wrong (console errors, uncaught
 * exceptions, failed requests) and writes a screenshot of each step to
 * test-results/screenshots/.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

import { CHROMIUM, ensureChromium } from "../chromium.ts";

const SCREENSHOTS = new URL("../../../test-results/screenshots/", import.meta.url).pathname;

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface WebBrowser {
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught exceptions and failed requests, as text. */
  problems: string[];
  /** Saves a full-page screenshot as `<prefix>-<nn>-<name>.png`. */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Launches Chromium with one page.
 * @example const browser = await openBrowser("studio"); await browser.page.goto(base); await browser.close();
 */
export async function openBrowser(prefix: string): Promise<WebBrowser> {
  // The e2e global setup installed it or stopped the run already; this only guards a file run some other way.
  if (!existsSync(CHROMIUM)) ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), "studyhall-chromium-"));
  mkdirSync(SCREENSHOTS, { recursive: true });
  // The folder shows the last run: an earlier run's steps of the same prefix go first.
  for (const file of readdirSync(SCREENSHOTS)) if (file.startsWith(`${prefix}-`) && file.endsWith(".png")) rmSync(join(SCREENSHOTS, file));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  const problems: string[] = [];
  context.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  context.on("weberror", (error) => problems.push(`uncaught: ${error.error().message}`));
  context.on("requestfailed", (request) => {
    // A download or a stream the page itself ended is not a failure a user sees.
    const reason = request.failure()?.errorText ?? "";
    if (!/ERR_ABORTED/.test(reason)) problems.push(`request failed: ${request.method()} ${request.url()} ${reason}`);
  });
  const page = context.pages()[0] ?? (await context.newPage());
  let step = 0;
  return {
    context,
    page,
    problems,
    async screenshot(name) {
      step += 1;
      await page.screenshot({ path: join(SCREENSHOTS, `${prefix}-${String(step).padStart(2, "0")}-${name}.png`), fullPage: true });
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
