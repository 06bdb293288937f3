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
 *
 * `--store postgres` (`npm run dev:pg`) runs the same platform on PostgreSQL:
 * a private cluster from Debian's package in `<persist-to>/postgres` on a
 * loopback port (`--pg-port`, 54329 by default; installed with apt-get where
 * missing and allowed), with migrations-pg/ applied and the same demo
 * accounts, reached through a Hyperdrive binding's local connection string,
 * as a deployment switched to PostgreSQL reaches its database: the string
 * names a pool of the cluster's connections in this process
 * (scripts/pg-pool.ts), as Hyperdrive pools a deployment's.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { exitOnConfigProblems } from "./config-check.mjs";
import {
  applyMigrations,
  configs,
  configsForRun,
  demoAccounts,
  ensureDevVars,
  platformAccount,
  postgresStore,
  root,
  seedDemo,
  seedDemoPostgres,
  wranglerBin,
  wranglerEnv,
} from "./local-env.mjs";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT ?? "8787" },
    "persist-to": { type: "string", default: ".wrangler/state" },
    quiet: { type: "boolean", default: false },
    "vars-file": { type: "string" },
    store: { type: "string", default: "d1" },
    "pg-port": { type: "string", default: "54329" },
  },
});
if (!["d1", "postgres"].includes(values.store)) {
  console.error(`--store is d1 or postgres, not ${values.store}`);
  process.exit(2);
}
const port = Number(values.port);
const persistTo = values["persist-to"];
const url = `http://127.0.0.1:${port}`;

await ensureDevVars();
// A variable out of bounds would otherwise surface as a 503 on the first request; say which, and start nothing.
exitOnConfigProblems({ root, configs, devVars: true, varsFile: values["vars-file"] });
let store = { vars: "", toml: "" };
let stopPostgres = () => {};
if (values.store === "postgres") {
  // Only here: the D1 path needs none of it.
  const { applyPgMigrations, psql, startPostgres } = await import("./postgres.ts");
  process.stdout.write(`Starting PostgreSQL (${join(persistTo, "postgres")}, port ${values["pg-port"]})… `);
  const pg = startPostgres({ dir: join(persistTo, "postgres"), port: Number(values["pg-port"]), log: (line) => console.log(line) });
  stopPostgres = () => {
    try {
      pg.stop();
    } catch {}
  };
  process.stdout.write("done\nApplying PostgreSQL migrations… ");
  applyPgMigrations(pg.url);
  process.stdout.write("done\nSeeding the demo organisation… ");
  seedDemoPostgres(pg.url, psql);
  // The workers reach it through a pool of its connections, as a deployment's reach its database through Hyperdrive's.
  const { startPgPool } = await import("./pg-pool.ts");
  // On the port the cluster is on, which is the one asked for unless it was already running (after a crash).
  const pooled = new URL(pg.url);
  const pool = await startPgPool({ host: "127.0.0.1", port: Number(pooled.port) }, 0);
  // Hyperdrive's binding needs a password in its string; the private cluster trusts loopback connections.
  pooled.password = "studyhall";
  pooled.port = String(pool.port);
  store = postgresStore(pooled.href);
} else {
  process.stdout.write("Applying D1 migrations (local)… ");
  applyMigrations(persistTo);
  process.stdout.write("done\nSeeding the demo organisation… ");
  seedDemo(persistTo);
}
process.stdout.write("done\nStarting the API and jobs workers…\n");

const extraVars = values["vars-file"] ? readFileSync(values["vars-file"], "utf8") : "";
const workerConfigs = extraVars || store.toml ? configsForRun(persistTo, { vars: `${store.vars}${extraVars}`, toml: store.toml }) : configs;
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
child.on("exit", (code) => {
  stopPostgres();
  process.exit(code ?? 0);
});

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
    `studyhall is running at ${url}${values.store === "postgres" ? " (relational store: PostgreSQL)" : ""}`,
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
  stopPostgres();
  process.exit(1);
}
