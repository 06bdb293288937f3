/**
 * The platform's resident memory over the run. "workerd" is the runtime that
 * runs the workers and their Durable Objects; "workerd-proxy" is wrangler
 * dev's entry proxy in front of it (not part of a deployment), shown apart. `startPlatform` runs dev.mjs
 * in its own process group (detached), with the instance's state directory
 * on its command line; wrangler, workerd and esbuild are its descendants in
 * that group. The sampler finds dev.mjs by that directory, then sums VmRSS
 * (/proc/<pid>/status) over every process of its group and every descendant,
 * by program name, every few seconds.
 *
 * "Flat" is judged after warm-up: the run is cut in thirds by time, the first
 * third (start-up, caches and JIT filling) is ignored, and memory is flat when
 * the last third's mean is at most `FLAT_TOLERANCE` above the second third's.
 * Only growth counts: memory handed back is not a leak.
 */
import { readdirSync, readFileSync } from "node:fs";

export const FLAT_TOLERANCE = 0.15;

export interface MemorySample {
  /** Milliseconds since the sampler started. */
  atMs: number;
  totalKiB: number;
  /** Program name (workerd, node, esbuild…) → KiB. */
  byName: Record<string, number>;
}

export interface Flatness {
  secondThirdMiB: number;
  lastThirdMiB: number;
  growth: number;
  flat: boolean;
  samples: number;
}

interface Proc {
  pid: number;
  ppid: number;
  pgrp: number;
  name: string;
}

function readProc(pid: number): Proc | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The name is in parentheses and may hold spaces; the fields after it are fixed.
    const close = stat.lastIndexOf(")");
    const name = stat.slice(stat.indexOf("(") + 1, close);
    const [, ppid, pgrp] = stat
      .slice(close + 2)
      .split(" ")
      .map(Number);
    return { pid, ppid: ppid!, pgrp: pgrp!, name: label(pid, name) };
  } catch {
    return null; // Gone between the listing and the read.
  }
}

function rssKiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** A name that says which part of the platform a process is: workerd, esbuild, wrangler or dev.mjs. */
function label(pid: number, comm: string): string {
  if (comm === "esbuild") return comm;
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    // wrangler dev runs two: the runtime holding the workers and their objects (started with an inspector), and
    // its own entry proxy in front of it, which a deployment does not have.
    if (comm === "workerd") return args.includes("--inspector-addr") ? "workerd" : "workerd-proxy";
    if (args.includes("scripts/dev.mjs")) return "dev.mjs";
    if (args.includes("wrangler")) return "wrangler";
  } catch {}
  return comm;
}

function allProcs(): Proc[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readProc(Number(entry)))
    .filter((p): p is Proc => p !== null);
}

/** The dev.mjs process running on `stateDir`, or null. */
export function findPlatformRoot(stateDir: string): number | null {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (args.some((a) => a.endsWith("scripts/dev.mjs")) && args.includes(stateDir)) return Number(entry);
    } catch {}
  }
  return null;
}

/** The root, its process group and all their descendants. */
export function platformProcesses(root: number): Proc[] {
  const procs = allProcs();
  const rootProc = procs.find((p) => p.pid === root);
  if (!rootProc) return [];
  const members = new Set(procs.filter((p) => p.pgrp === rootProc.pgrp || p.pid === root).map((p) => p.pid));
  // Descendants that started a group of their own are still the platform's.
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs)
      if (!members.has(p.pid) && members.has(p.ppid)) {
        members.add(p.pid);
        grew = true;
      }
  }
  return procs.filter((p) => members.has(p.pid));
}

export class MemorySampler {
  readonly samples: MemorySample[] = [];
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private readonly root: number;

  constructor(root: number) {
    this.root = root;
  }

  /** Samples now and then every `intervalMs` until `stop()`. */
  start(intervalMs: number): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  sample(): MemorySample {
    const byName: Record<string, number> = {};
    let totalKiB = 0;
    for (const p of platformProcesses(this.root)) {
      const kib = rssKiB(p.pid);
      byName[p.name] = (byName[p.name] ?? 0) + kib;
      totalKiB += kib;
    }
    const sample = { atMs: Date.now() - this.started, totalKiB, byName };
    this.samples.push(sample);
    return sample;
  }

  /** Flatness of the total, or of the processes named `name` only. */
  flatness(name?: string): Flatness {
    const last = this.samples.at(-1)?.atMs ?? 0;
    const kib = (s: MemorySample) => (name ? (s.byName[name] ?? 0) : s.totalKiB);
    const mean = (from: number, to: number) => {
      const inside = this.samples.filter((s) => s.atMs >= from && s.atMs < to);
      return inside.reduce((sum, s) => sum + kib(s), 0) / Math.max(1, inside.length) / 1024;
    };
    const secondThirdMiB = mean(last / 3, (2 * last) / 3);
    const lastThirdMiB = mean((2 * last) / 3, last + 1);
    const growth = secondThirdMiB > 0 ? lastThirdMiB / secondThirdMiB - 1 : Number.NaN;
    return { secondThirdMiB, lastThirdMiB, growth, flat: growth <= FLAT_TOLERANCE, samples: this.samples.length };
  }
}
