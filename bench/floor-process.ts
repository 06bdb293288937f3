/**
 * Starts the floor Worker (bench/floor/) in a `wrangler dev` of its own,
 * with the same flags scripts/dev.mjs gives the platform's, on a free port
 * and a state directory of its own, and stops it again.
 *
 * Why a second process: a multi-config `wrangler dev` serves only its first
 * Worker on its port; the others are reachable only through service bindings
 * (and miniflare's `routes` are not applied to them by wrangler), so putting the
 * floor in the platform's process would mean an extra hop in front of one side.
 */
import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../test/e2e/platform.ts";

export interface Floor {
  url: string;
  stop(): Promise<void>;
}

const root = new URL("..", import.meta.url).pathname;
const wrangler = join(root, "node_modules", ".bin", "wrangler");

/**
 * @example
 * const floor = await startFloor(join(platform.state, "floor"));
 * await fetch(`${floor.url}/floor/healthz`);
 * await floor.stop();
 */
export async function startFloor(state: string): Promise<Floor> {
  mkdirSync(state, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ["dev", "-c", "bench/floor/wrangler.toml", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", state];
  args.push("--inspector-port", "0", "--show-interactive-dev-session=false");
  const child = spawn(wrangler, args, {
    cwd: root,
    env: {
      ...process.env,
      PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
      WRANGLER_SEND_METRICS: "false",
      WRANGLER_SEND_ERROR_REPORTS: "false",
      NO_UPDATE_NOTIFIER: "1",
      CI: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, name);
    } catch {}
  };
  const stop = async () => {
    signal("SIGTERM");
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    signal("SIGKILL");
    rmSync(state, { recursive: true, force: true });
  };

  for (let i = 0; i < 600 && !exited; i++) {
    try {
      const response = await fetch(`${url}/floor/healthz`);
      await response.arrayBuffer();
      if (response.ok) {
        const setup = await fetch(`${url}/floor/setup`, { method: "POST" });
        if (setup.status !== 204) throw new Error(`floor setup answered ${setup.status}`);
        return { url, stop };
      }
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("floor setup")) {
        await stop();
        throw error;
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`the floor did not start:\n${output}`);
}
