#!/usr/bin/env node
/**
 * `npm run dev`: the whole platform on this machine, offline, with no
 * Cloudflare account. Prepares local secrets, checks every worker's
 * configuration (exiting with one line per variable out of bounds), applies D1
 * migrations, seeds the demo organisation and a platform operator, then runs every worker in one
 * `wrangler dev` so queue messages flow from the API worker to the consumers.
 *
 *   npm run dev -- --port 8787 --persist-to .wrangler/state
 *
 * `--vars-file <file>` (dotenv format) adds variables and secrets for every
 * worker for this run only, on top of wrangler.toml and .dev.vars, without
 * writing to .dev.vars: the end-to-end suite points the jobs worker at a local
 * OpenAI-compatible server this way.
 */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { exitOnConfigProblems } from "./config-check.mjs";
import {
  applyMigrations,
  configs,
  configsWithVars,
  demoAccounts,
  ensureDevVars,
  platformAccount,
  root,
  seedDemo,
  wranglerBin,
  wranglerEnv,
} from "./local-env.mjs";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT ?? "8787" },
    "persist-to": { type: "string", default: ".wrangler/state" },
    quiet: { type: "boolean", default: false },
    "vars-file": { type: "string" },
  },
});
const port = Number(values.port);
const persistTo = values["persist-to"];
const url = `http://127.0.0.1:${port}`;

await ensureDevVars();
// A variable out of bounds would otherwise surface as a 503 on the first request; say which, and start nothing.
exitOnConfigProblems({ root, configs, devVars: true, varsFile: values["vars-file"] });
process.stdout.write("Applying D1 migrations (local)… ");
applyMigrations(persistTo);
process.stdout.write("done\nSeeding the demo organisation… ");
seedDemo(persistTo);
process.stdout.write("done\nStarting the API and jobs workers…\n");

const workerConfigs = values["vars-file"] ? configsWithVars(persistTo, values["vars-file"]) : configs;
const args = [
  "dev",
  ...workerConfigs.flatMap((c) => ["-c", c]),
  "--port",
  String(port),
  "--ip",
  "127.0.0.1",
  "--persist-to",
  persistTo,
  "--inspector-port",
  "0",
  "--show-interactive-dev-session=false",
];
const child = spawn(wranglerBin, args, {
  cwd: root,
  env: { ...wranglerEnv, CI: "" },
  stdio: ["ignore", values.quiet ? "ignore" : "inherit", "inherit"],
});

for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 0));

// The probe is also the API worker's first request, which starts the JobSweeper (its start-up sweep
// recovers the jobs a previous run left mid-way, and the messages its in-memory queue lost).
async function waitUntilReady() {
  for (let i = 0; i < 600; i++) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

if (await waitUntilReady()) {
  const width = Math.max(...[...demoAccounts, platformAccount].map((a) => a.email.length));
  const lines = [
    "",
    `studyhall is running at ${url}`,
    "",
    "Demo accounts (organisation: Demo School):",
    ...demoAccounts.map((a) => `  ${a.role.padEnd(8)} ${a.email.padEnd(width)}  ${a.password}`),
    "",
    "Platform operator (organisation: studyhall platform; PLATFORM_OPERATOR_IDS in .dev.vars):",
    `  ${"platform".padEnd(8)} ${platformAccount.email.padEnd(width)}  ${platformAccount.password}`,
    "",
    "Try:",
    `  curl -s ${url}/v1/auth/login -H 'content-type: application/json' \\`,
    `    -d '{"email":"${demoAccounts[1].email}","password":"${demoAccounts[1].password}"}'`,
    "",
    `STUDYHALL_READY ${url}`,
    "",
  ];
  console.log(lines.join("\n"));
} else {
  console.error(`studyhall did not answer at ${url}/healthz`);
  child.kill("SIGTERM");
  process.exit(1);
}
