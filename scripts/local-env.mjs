/**
 * Local-only set-up shared by `npm run dev` and the end-to-end suite: the
 * `.dev.vars` secrets (a fresh ES256 signing key, never committed), the D1
 * migrations, the demo organisation and a platform operator in an
 * organisation of its own. None of this runs on deploy.
 */
import { execFileSync } from "node:child_process";
import { pbkdf2Sync, randomBytes, randomUUID } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { exportJWK, generateKeyPair } from "jose";

export const root = new URL("..", import.meta.url).pathname;
export const wranglerBin = join(root, "node_modules", ".bin", "wrangler");
export const configs = ["wrangler.toml", "workers/jobs/wrangler.toml"];

/** Environment for every wrangler call: no telemetry, no prompts, no update checks. */
export const wranglerEnv = {
  ...process.env,
  // The project's own Node (>= 22) first, whatever started this script.
  PATH: `${join(root, "node_modules", ".bin")}:${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CI: "true",
  NO_UPDATE_NOTIFIER: "1",
};

async function signingKeyJson() {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: `local-${randomUUID().slice(0, 8)}`, alg: "ES256" };
  return JSON.stringify([jwk]);
}

/** Writes `.dev.vars` for each worker unless it exists; a key made once stays, so tokens survive restarts. */
export async function ensureDevVars(extra = {}) {
  const apiVars = join(root, ".dev.vars");
  if (!existsSync(apiVars)) {
    const lines = [
      "# Local secrets for `npm run dev`; never commit this file.",
      "APP_ENV=development",
      `JWT_SIGNING_KEYS='${await signingKeyJson()}'`,
    ];
    writeFileSync(apiVars, `${lines.join("\n")}\n`, { mode: 0o600 });
  }
  // Signs export download links; appended to an older file too, so its signing keys survive.
  if (!readFileSync(apiVars, "utf8").includes("EXPORT_URL_SECRET="))
    appendFileSync(apiVars, `EXPORT_URL_SECRET=${randomBytes(32).toString("base64url")}\n`);
  // The seeded platform operator; appended to an older file as well, and left alone once it is there.
  if (!readFileSync(apiVars, "utf8").includes("PLATFORM_OPERATOR_IDS="))
    appendFileSync(apiVars, `PLATFORM_OPERATOR_IDS=${platformAccount.id}\n`);
  const jobsVars = join(root, "workers/jobs/.dev.vars");
  if (!existsSync(jobsVars)) writeFileSync(jobsVars, "APP_ENV=development\n", { mode: 0o600 });
  for (const [file, vars] of Object.entries(extra)) {
    writeFileSync(
      join(root, file),
      `${Object.entries(vars)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n")}\n`,
      { mode: 0o600 },
    );
  }
}

/**
 * For one run with extra variables (`npm run dev -- --vars-file f`) or another relational store
 * (`npm run dev:pg`): copies each worker's config into `<persistTo>/config/<worker>/`, with `toml` appended,
 * and a `.dev.vars` beside it holding that worker's own `.dev.vars` and then `vars` (later lines win), and
 * returns the copies' paths for `wrangler dev -c`. Wrangler reads `.dev.vars` from beside each config, and in
 * a multi-config `wrangler dev` its `--var` and `--env-file` reach only the first worker, so this is the one
 * way to give every worker the same variables without touching the developer's own `.dev.vars` files.
 */
export function configsForRun(persistTo, { vars = "", toml = "" }) {
  return configs.map((config) => {
    const source = join(root, config);
    const text = readFileSync(source, "utf8");
    const name = /^name\s*=\s*"([^"]+)"/m.exec(text)?.[1] ?? config.replaceAll("/", "-");
    const dir = join(resolve(root, persistTo), "config", name);
    mkdirSync(dir, { recursive: true });
    // The copy lives elsewhere, so its paths must not be relative to where it lives.
    const copy = text.replace(
      /^(main|migrations_dir)(\s*=\s*)"([^"]+)"/gm,
      (_, key, eq, path) => `${key}${eq}${JSON.stringify(isAbsolute(path) ? path : resolve(dirname(source), path))}`,
    );
    writeFileSync(join(dir, "wrangler.toml"), `# Copied from ${config} for one run; see scripts/local-env.mjs.\n${copy}${toml}`);
    const own = join(dirname(source), ".dev.vars");
    const text2 = `${existsSync(own) ? `${readFileSync(own, "utf8").trimEnd()}\n` : ""}${vars}`;
    writeFileSync(join(dir, ".dev.vars"), text2, { mode: 0o600 });
    return join(dir, "wrangler.toml");
  });
}

/**
 * What a deployment on PostgreSQL adds to each worker's configuration: the switch and a Hyperdrive binding.
 * Locally the binding connects straight to `url` (Hyperdrive's `localConnectionString`).
 */
export function postgresStore(url) {
  return {
    vars: "RELATIONAL_STORE=postgres\n",
    toml: `\n[[hyperdrive]]\nbinding = "HYPERDRIVE"\nid = "00000000000000000000000000000000"\nlocalConnectionString = ${JSON.stringify(url)}\n`,
  };
}

function wrangler(args, persistTo) {
  execFileSync(wranglerBin, [...args, "--persist-to", persistTo], { cwd: root, env: wranglerEnv, stdio: ["ignore", "pipe", "pipe"] });
}

export function applyMigrations(persistTo) {
  wrangler(["d1", "migrations", "apply", "DB", "--local", "-c", "wrangler.toml"], persistTo);
}

/** The demo organisation: an admin, a teacher and two students, with known passwords. */
export const demoAccounts = [
  {
    id: "00000000-0000-4000-8000-0000000000a1",
    role: "admin",
    email: "admin@demo.studyhall.test",
    name: "Ada Admin",
    password: "demo-admin-password",
  },
  {
    id: "00000000-0000-4000-8000-0000000000c1",
    role: "teacher",
    email: "teacher@demo.studyhall.test",
    name: "Tomás Teacher",
    password: "demo-teacher-password",
  },
  {
    id: "00000000-0000-4000-8000-0000000000e1",
    role: "student",
    email: "student1@demo.studyhall.test",
    name: "Sam Student",
    password: "demo-student-password",
  },
  {
    id: "00000000-0000-4000-8000-0000000000e2",
    role: "student",
    email: "student2@demo.studyhall.test",
    name: "Sasha Student",
    password: "demo-student-password",
  },
];
const DEMO_ORG = { id: "00000000-0000-4000-8000-00000000000d", name: "Demo School" };

/**
 * The deployment's platform operator, locally: `.dev.vars` lists its id in PLATFORM_OPERATOR_IDS. It is an
 * admin of its own organisation; what makes it an operator is that id, never its role.
 */
export const platformAccount = {
  id: "00000000-0000-4000-8000-0000000000f1",
  email: "ops@studyhall.test",
  name: "Pat Platform",
  password: "demo-platform-password",
};
const PLATFORM_ORG = { id: "00000000-0000-4000-8000-00000000000f", name: "studyhall platform" };

function hashPassword(password) {
  // Same format and iteration count as packages/auth/src/password.ts.
  const iterations = 100_000;
  const salt = randomBytes(16);
  const hash = pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
  return `pbkdf2-sha256$${iterations}$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

const q = (s) => `'${String(s).replaceAll("'", "''")}'`;

/** Seeds the demo organisation and the platform operator's; running it again changes nothing. */
export function seedDemo(persistTo) {
  const now = Date.now();
  const statements = [
    `INSERT OR IGNORE INTO organisations (id, name, created_at) VALUES (${q(DEMO_ORG.id)}, ${q(DEMO_ORG.name)}, ${now});`,
    ...demoAccounts.map(
      (a) =>
        `INSERT OR IGNORE INTO users (id, org_id, email, name, role, password_hash, created_at, updated_at) VALUES (${q(a.id)}, ${q(DEMO_ORG.id)}, ${q(a.email)}, ${q(a.name)}, ${q(a.role)}, ${q(hashPassword(a.password))}, ${now}, ${now});`,
    ),
    `INSERT OR IGNORE INTO organisations (id, name, created_at) VALUES (${q(PLATFORM_ORG.id)}, ${q(PLATFORM_ORG.name)}, ${now});`,
    `INSERT OR IGNORE INTO users (id, org_id, email, name, role, password_hash, created_at, updated_at) VALUES (${q(platformAccount.id)}, ${q(PLATFORM_ORG.id)}, ${q(platformAccount.email)}, ${q(platformAccount.name)}, 'admin', ${q(hashPassword(platformAccount.password))}, ${now}, ${now});`,
  ];
  const dir = join(persistTo, "seed");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "demo.sql");
  writeFileSync(file, `${statements.join("\n")}\n`);
  wrangler(["d1", "execute", "DB", "--local", "-c", "wrangler.toml", "--file", file], persistTo);
}

/** The same seed on a PostgreSQL database (`npm run dev:pg`), through psql. */
export function seedDemoPostgres(url, psql) {
  const statements = [
    `INSERT INTO organisations (id, name, created_at) VALUES (${q(DEMO_ORG.id)}, ${q(DEMO_ORG.name)}, now()) ON CONFLICT DO NOTHING;`,
    ...demoAccounts.map(
      (a) =>
        `INSERT INTO users (id, org_id, email, name, role, password_hash, created_at, updated_at) VALUES (${q(a.id)}, ${q(DEMO_ORG.id)}, ${q(a.email)}, ${q(a.name)}, ${q(a.role)}, ${q(hashPassword(a.password))}, now(), now()) ON CONFLICT DO NOTHING;`,
    ),
    `INSERT INTO organisations (id, name, created_at) VALUES (${q(PLATFORM_ORG.id)}, ${q(PLATFORM_ORG.name)}, now()) ON CONFLICT DO NOTHING;`,
    `INSERT INTO users (id, org_id, email, name, role, password_hash, created_at, updated_at) VALUES (${q(platformAccount.id)}, ${q(PLATFORM_ORG.id)}, ${q(platformAccount.email)}, ${q(platformAccount.name)}, 'admin', ${q(hashPassword(platformAccount.password))}, now(), now()) ON CONFLICT DO NOTHING;`,
  ];
  psql(url, ["--single-transaction", "-f", "-"], `${statements.join("\n")}\n`);
}

export function readPackageVersion() {
  return JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
}
