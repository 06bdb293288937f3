/**
 * A private PostgreSQL cluster for studyhall, from Debian's `postgresql`
 * package, with no Docker: its own data directory, listening on a loopback
 * port only, trusting local connections, and gone when its directory is.
 * Where the server is missing it is installed with apt-get (as root, on a
 * system that has it). The migrations in migrations-pg/ (drizzle-kit's, from
 * packages/db/src/schema-pg) are applied in order, each once and in one
 * transaction, with the applied ones kept in `studyhall_migrations`.
 *
 *   npm run postgres -- --dir .wrangler/postgres --port 54329
 *
 * prints the connection string and runs until stopped (Ctrl-C stops the cluster).
 */
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { aptInstall, mayInstallPackages } from "./apt-install.ts";

const root = new URL("..", import.meta.url).pathname;
export const PG_MIGRATIONS = join(root, "migrations-pg");
const DATABASE = "studyhall";
const ROLE = "studyhall";
const MISSING =
  "PostgreSQL's server is missing: install Debian's package (sudo apt-get install postgresql), or run as root on a system with apt-get and it is installed for you.";

/** The newest installed server's binaries (initdb, pg_ctl, postgres), or undefined. */
function installedBin(): string | undefined {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0]!, "bin") : undefined;
}

function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): string {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.status !== 0) {
    const said = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n").slice(-15).join("\n");
    throw new Error(`${command} ${args.join(" ")} failed (${result.error?.message ?? `exit ${result.status}`}):\n${said}`);
  }
  return result.stdout;
}

/** The server's binaries, installing Debian's package first when this machine allows it. */
export function ensurePostgres(log: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): string {
  const found = installedBin();
  if (found) return found;
  if (!mayInstallPackages()) throw new Error(MISSING);
  log("PostgreSQL is missing: installing Debian's postgresql package (apt-get, once)…");
  aptInstall(["postgresql"], () => installedBin() !== undefined);
  const installed = installedBin();
  if (!installed) throw new Error(MISSING);
  log(`PostgreSQL installed (${installed}).`);
  return installed;
}

/** The server refuses to run as root: as root, its programs run as the package's `postgres` user. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  // util-linux's runuser, by its path: a root shell's PATH does not always hold /usr/sbin.
  const runuser = ["/usr/sbin/runuser", "/sbin/runuser"].find((path) => existsSync(path)) ?? "runuser";
  return [runuser, ["-u", "postgres", "--", command, ...args]];
}

function serverUid() {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  if (!line) throw new Error("The postgresql package's `postgres` user is missing.");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** psql against `url`, stopping at the first error; returns what it printed (tuples only, unaligned). */
export function psql(url: string, args: string[], input?: string): string {
  return run("psql", [url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", ...args], input === undefined ? {} : { input });
}

/**
 * Creates the cluster in `dir` unless it is there, starts it on `port` (127.0.0.1 only) and makes sure the
 * `studyhall` database exists. A server already running on the cluster (one that outlived the platform
 * that started it, as a database outlives a Worker that crashed) is kept, on the port it listens on.
 * @returns the connection string, and `stop()`.
 * @example const pg = startPostgres({ dir: "/tmp/pg", port: 54329 }); applyPgMigrations(pg.url); pg.stop();
 */
export function startPostgres({ dir, port, log = () => {} }: { dir: string; port: number; log?: (line: string) => void }): {
  url: string;
  stop(): void;
} {
  const bin = ensurePostgres(log);
  const home = resolve(dir);
  const data = join(home, "data");
  mkdirSync(home, { recursive: true });
  if (process.getuid?.() === 0) {
    const { uid, gid } = serverUid();
    chownSync(home, uid, gid);
  }
  const server = (program: string, args: string[]) => {
    const [command, full] = asServerUser(join(bin, program), args);
    return run(command, full);
  };
  if (!existsSync(join(data, "PG_VERSION"))) {
    log(`creating a PostgreSQL cluster in ${data}…`);
    server("initdb", ["-D", data, "-U", ROLE, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]);
  }
  const running = runningPort(data);
  if (running === undefined) {
    const options = `-p ${port} -k ${home} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    server("pg_ctl", ["-D", data, "-o", options, "-l", join(home, "server.log"), "-w", "-t", "60", "start"]);
  } else {
    log(`PostgreSQL is already running on ${data} (port ${running}): keeping it.`);
  }
  const listening = running ?? port;
  const admin = `postgres://${ROLE}@127.0.0.1:${listening}/postgres`;
  if (!psql(admin, ["-c", `select 1 from pg_database where datname = '${DATABASE}'`]).trim()) {
    psql(admin, ["-c", `create database ${DATABASE}`]);
  }
  return {
    url: `postgres://${ROLE}@127.0.0.1:${listening}/${DATABASE}`,
    stop: () => void server("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]),
  };
}

/** The port of the server running on the cluster in `data`, or undefined when none is (a stale lock file included). */
function runningPort(data: string): number | undefined {
  let lines: string[];
  try {
    // postmaster.pid: the server's pid on line 1, its port on line 4 (PostgreSQL's documented layout).
    lines = readFileSync(join(data, "postmaster.pid"), "utf8").split("\n");
  } catch {
    return undefined;
  }
  try {
    process.kill(Number(lines[0]), 0);
  } catch (error) {
    // EPERM: alive, but not ours to signal.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return undefined;
  }
  const port = Number(lines[3]);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

/** Applies the migrations not yet applied, in name order, each in one transaction. Returns their names. */
export function applyPgMigrations(url: string, dir = PG_MIGRATIONS): string[] {
  psql(url, [
    "-c",
    "create table if not exists studyhall_migrations (name text primary key, applied_at timestamptz not null default now())",
  ]);
  const applied = new Set(psql(url, ["-c", "select name from studyhall_migrations"]).split("\n").filter(Boolean));
  const pending = readdirSync(dir)
    .filter((f) => f.endsWith(".sql") && !applied.has(f))
    .sort();
  for (const name of pending) {
    const sql = readFileSync(join(dir, name), "utf8");
    psql(url, ["--single-transaction", "-f", "-"], `${sql}\n;insert into studyhall_migrations (name) values ('${name}');\n`);
  }
  return pending;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { dir: { type: "string", default: ".wrangler/postgres" }, port: { type: "string", default: "54329" } },
  });
  const pg = startPostgres({ dir: values.dir, port: Number(values.port), log: console.log });
  const applied = applyPgMigrations(pg.url);
  console.log(`applied ${applied.length ? applied.join(", ") : "no new migrations"}`);
  console.log(`STUDYHALL_POSTGRES ${pg.url}`);
  const stop = () => {
    pg.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  setInterval(() => {}, 1 << 30);
}
