/**
 * Starts the whole platform as `npm run dev` does (scripts/dev.mjs: every
 * worker in one real `wrangler dev`, D1 migrated, demo organisation seeded)
 * on a free port with throwaway state, and stops it again, leaving no
 * wrangler or workerd process behind. Used by the e2e global setup, by e2e
 * files that need a differently configured instance, and by `npm run bench`
 * (plain Node runs this file as is: node builtins only, erasable types).
 */
import { spawn } from "node:child_process";
import { appendFileSync, chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PlatformOptions {
  /** Variables and secrets for every worker of this instance (passed with dev.mjs `--vars-file`). */
  vars?: Record<string, string>;
  /** Prefix of the state directory's name, to tell instances apart. */
  label?: string;
  /** Keep wrangler's own output (workers' logs) in `output()`; off by default. */
  verbose?: boolean;
  /** How long to wait for `STUDYHALL_READY`. */
  startTimeoutMs?: number;
  /**
   * Run on this state directory, as another instance left it (a restart), and leave it in place on `stop()`:
   * whoever passed it removes it. Without it, the instance has a throwaway directory of its own.
   */
  state?: string;
  /** Leave the throwaway state directory in place on `stop()` and `kill()`, to start again on it. */
  keepState?: boolean;
  /** The relational store, as `npm run dev -- --store` takes it: D1 (the default) or PostgreSQL on its own cluster. */
  store?: "d1" | "postgres";
}

export interface Platform {
  url: string;
  /** The directory holding this instance's local state (D1, KV, R2, Durable Objects). */
  state: string;
  /** Everything dev.mjs and wrangler printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
  /** Kills every process of the instance at once with SIGKILL, as a crash or a power cut would: nothing shuts down cleanly. */
  kill(): Promise<void>;
  /**
   * Makes wrangler dev reload a worker as it does after a source edit (its runtime restarts with what is
   * running in it), with `vars` changed for it if given, and resolves once wrangler says it is ready again
   * and the API answers. Needs `vars` and `verbose` at start: the watched files are this run's copies of
   * the configuration in the state directory (scripts/local-env.mjs), so the repository is never touched.
   */
  reload(options?: { worker?: string; vars?: Record<string, string> }): Promise<void>;
}

const root = new URL("../..", import.meta.url).pathname;

/** A port the system just handed out, so parallel instances do not collide. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** dotenv lines; single quotes keep the value literal. */
function dotenv(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([key, value]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(key) || /['\n]/.test(value)) throw new Error(`cannot write ${key} to a vars file`);
      return `${key}='${value}'`;
    })
    .join("\n");
}

/**
 * Starts an instance and resolves once it answers.
 *
 * @example
 * const platform = await startPlatform({ vars: { RATE_LIMIT_UPLOADS_PER_MIN: "1000" } });
 * await fetch(`${platform.url}/healthz`);
 * await platform.stop();
 */
export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const state = options.state ?? mkdtempSync(join(tmpdir(), `studyhall-${options.label ?? "e2e"}-`));
  const removeState = () => {
    if (!options.state && !options.keepState) rmSync(state, { recursive: true, force: true });
  };
  const port = await freePort();
  const args = ["scripts/dev.mjs", "--port", String(port), "--persist-to", state, ...(options.verbose ? [] : ["--quiet"])];
  if (options.store === "postgres") {
    // The cluster lives inside the state directory, and as root its server runs as the package's `postgres`
    // user, who must be able to reach it: mkdtemp's directory is the owner's alone.
    chmodSync(state, 0o755);
    args.push("--store", "postgres", "--pg-port", String(await freePort()));
  }
  if (options.vars) {
    const file = join(state, "run.vars");
    writeFileSync(file, `${dotenv(options.vars)}\n`, { mode: 0o600 });
    args.push("--vars-file", file);
  }
  // Its own process group, so stopping it reaches wrangler and workerd too.
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  let stopped = false;

  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, name);
    } catch {}
  };
  const groupAlive = () => {
    try {
      if (child.pid) process.kill(-child.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    signal("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    // Whatever did not leave with dev.mjs (workerd, wrangler's helpers) goes now.
    signal("SIGKILL");
    removeState();
  };
  const kill = async () => {
    if (stopped) return;
    stopped = true;
    signal("SIGKILL");
    await exited;
    // workerd and wrangler's helpers die with the group, but not in the same instant as dev.mjs.
    for (let i = 0; i < 100 && groupAlive(); i++) await new Promise((r) => setTimeout(r, 50));
    removeState();
  };

  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wrangler dev did not start:\n${output}`)), options.startTimeoutMs ?? 150_000);
      let settled = false;
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (settled) return;
        const match = /STUDYHALL_READY (\S+)/.exec(output);
        if (match) {
          settled = true;
          clearTimeout(timer);
          resolve(match[1]!);
        }
        // wrangler dev keeps waiting for a file change after a failed build; a test run would only time out.
        // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the terminal's colour codes (ESC [ … m) from wrangler's output
        if (/\[ERROR\] Build failed/.test(output.replace(/\x1b\[[0-9;]*m/g, ""))) {
          settled = true;
          clearTimeout(timer);
          reject(new Error(`the workers did not build:\n${output}`));
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`dev server exited with ${code}:\n${output}`));
      });
    });
    const reload = async ({ worker = "studyhall-jobs", vars = {} }: { worker?: string; vars?: Record<string, string> } = {}) => {
      const dir = join(state, "config", worker);
      if (!options.vars || !options.verbose || !existsSync(join(dir, "wrangler.toml")))
        throw new Error(`reload needs an instance started with vars and verbose, and a worker named ${worker}`);
      if (Object.keys(vars).length > 0) {
        const file = join(dir, ".dev.vars");
        const kept = readFileSync(file, "utf8")
          .split("\n")
          .filter((line) => !Object.keys(vars).some((key) => line.startsWith(`${key}=`)));
        writeFileSync(file, `${[...kept.filter(Boolean), dotenv(vars)].join("\n")}\n`, { mode: 0o600 });
      }
      // Only what wrangler prints after the change counts: the first start's own messages may still be arriving.
      const from = output.length;
      const ready = () => {
        const since = output.slice(from);
        const reloading = since.indexOf("Reloading local server");
        return reloading >= 0 && since.indexOf("Local server updated and ready", reloading) >= 0;
      };
      // wrangler dev watches the configuration it was given; a change to it rebuilds and restarts the runtime.
      appendFileSync(join(dir, "wrangler.toml"), `# reloaded ${new Date().toISOString()}\n`);
      const deadline = Date.now() + 60_000;
      while (
        !ready() ||
        !(await fetch(`${url}/healthz`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        if (Date.now() > deadline) throw new Error(`wrangler dev did not reload:\n${output.slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    return { url, state, output: () => output, stop, kill, reload };
  } catch (error) {
    await stop();
    throw error;
  }
}
