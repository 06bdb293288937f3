#!/usr/bin/env node
/**
 * Checks every worker's `[vars]` against its configuration schema, builds every
 * worker as `wrangler deploy` would, without deploying, and prints each
 * bundle's size: a bad variable, a broken import or an oversized bundle fails here.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { exitOnConfigProblems } from "./config-check.mjs";
import { configs, root, wranglerBin, wranglerEnv } from "./local-env.mjs";

// What deploys is wrangler.toml's [vars] (secrets live in Cloudflare): check them before building.
exitOnConfigProblems({ root, configs });

const rows = [];
for (const config of configs) {
  const outdir = mkdtempSync(join(tmpdir(), "studyhall-build-"));
  try {
    execFileSync(wranglerBin, ["deploy", "--dry-run", "-c", config, "--outdir", outdir], {
      cwd: root,
      env: wranglerEnv,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let bytes = 0;
    let gzip = 0;
    for (const file of readdirSync(outdir, { recursive: true })) {
      const path = join(outdir, String(file));
      if (!statSync(path).isFile() || path.endsWith(".map") || path.endsWith("README.md")) continue;
      const content = readFileSync(path);
      bytes += content.length;
      gzip += gzipSync(content).length;
    }
    rows.push({ worker: config, kib: (bytes / 1024).toFixed(1), gzipKib: (gzip / 1024).toFixed(1) });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
console.log("\nWorker bundles (wrangler deploy --dry-run):");
for (const r of rows) console.log(`  ${r.worker.padEnd(28)} ${r.kib.padStart(9)} KiB   gzip ${r.gzipKib.padStart(8)} KiB`);
