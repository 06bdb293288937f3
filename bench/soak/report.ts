/**
 * What the soak prints: a short status block every report interval, and at
 * the end a table, the 5xx answers and failed actions in full, the memory
 * timeline and one verdict line. The verdict is about correctness (lost
 * messages, unexpected 5xx) and memory; nothing here judges speed.
 */
import { seconds, table } from "../stats.ts";
import type { Activity } from "./activity.ts";
import type { ChatCheck } from "./chat-ledger.ts";
import type { KindFigures } from "./job-ledger.ts";
import { FLAT_TOLERANCE, type Flatness, type MemorySample } from "./memory.ts";
import type { Traffic } from "./traffic.ts";

export interface Snapshot {
  elapsedMs: number;
  plannedMs: number;
  traffic: Traffic;
  chat: ChatCheck;
  jobs: KindFigures[];
  activity: Activity;
  memory: MemorySample[];
}

const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
const clock = (msValue: number) => `${Math.floor(msValue / 60_000)}:${String(Math.floor((msValue % 60_000) / 1000)).padStart(2, "0")}`;
const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([key, n]) => `${key} ${n}`)
    .join(", ") || "none";

function requestsLine(traffic: Traffic): string {
  return [...traffic.byClass]
    .filter(([, c]) => c.requests > 0)
    .map(([name, c]) => {
      const errors = Object.values(c.clientErrors).reduce((a, b) => a + b, 0) + c.rateLimited + c.serverErrors + c.networkErrors;
      return `${name} ${c.requests}${errors ? ` (${errors} err)` : ""}`;
    })
    .join(", ");
}

function errorsLine(traffic: Traffic): string {
  const client: Record<string, number> = {};
  let network = 0;
  for (const c of traffic.byClass.values()) {
    for (const [status, n] of Object.entries(c.clientErrors)) client[status] = (client[status] ?? 0) + n;
    network += c.networkErrors;
  }
  const t = traffic.totals();
  const fives = [...traffic.serverErrors.values()].map((e) => `${e.count}× ${e.status} ${e.type}`).join(", ");
  return `4xx: ${counts(client)}; 429: ${t.rateLimited}; 5xx: ${t.serverErrors}${fives ? ` (${fives})` : ""}; no answer: ${network}`;
}

function chatLine(chat: ChatCheck, activity: Activity): string {
  const dropped = chat.dropped ? ` (${chat.dropped} dropped on purpose by --drop-chat)` : "";
  return `${chat.accepted} messages accepted, ${chat.owed} deliveries owed; LOST ${chat.lost + chat.vanished}${dropped}, REORDERED ${chat.reordered}, duplicates ${chat.duplicates}, refused ${chat.refused}; sockets: ${activity.reconnects} reconnects, ${activity.drops} drops; error frames: ${counts(activity.errorFrames)}`;
}

function jobLine(kind: KindFigures): string {
  const l = kind.completedMs;
  const failed = Object.keys(kind.failures).length ? `; failed as ${counts(kind.failures)}` : "";
  return `${kind.kind}: ${counts(kind.states)}; completed in p50 ${seconds(l.p50)}, p95 ${seconds(l.p95)}, max ${seconds(l.max)}${failed}`;
}

function memoryLine(samples: MemorySample[]): string {
  const last = samples.at(-1);
  if (!last) return "no samples";
  const totals = samples.map((s) => s.totalKiB);
  const parts = Object.entries(last.byName)
    .sort(([, a], [, b]) => b - a)
    .map(([name, kib]) => `${name} ${mib(kib)}`)
    .join(", ");
  return `${mib(last.totalKiB)} now (${parts}); min ${mib(Math.min(...totals))}, max ${mib(Math.max(...totals))} over ${samples.length} samples`;
}

/** The block printed every report interval. */
export function periodic(s: Snapshot): string {
  const t = s.traffic.totals();
  return [
    `[soak ${clock(s.elapsedMs)} of ${clock(s.plannedMs)}] ${t.requests} requests (${(t.requests / Math.max(1, s.elapsedMs / 1000)).toFixed(1)}/s): ${requestsLine(s.traffic)}`,
    `  errors   ${errorsLine(s.traffic)}`,
    `  chat     ${chatLine(s.chat, s.activity)}`,
    ...s.jobs.map((k) => `  jobs     ${jobLine(k)}`),
    `  memory   ${memoryLine(s.memory)}`,
  ].join("\n");
}

/** The mean per minute of the run (of the total, or of the processes named `name`), as one line. */
function timeline(samples: MemorySample[], name?: string): string {
  const minutes = new Map<number, number[]>();
  for (const s of samples) {
    const minute = Math.floor(s.atMs / 60_000);
    minutes.set(minute, [...(minutes.get(minute) ?? []), name ? (s.byName[name] ?? 0) : s.totalKiB]);
  }
  return [...minutes].map(([m, kib]) => `${m}m ${(kib.reduce((a, b) => a + b, 0) / kib.length / 1024).toFixed(0)}`).join(", ");
}

/** Flatness of the whole instance and of workerd alone (where the workers' own memory lives). */
export interface MemoryFlatness {
  total: Flatness;
  workerd: Flatness;
  /** wrangler dev's entry proxy: shown, not judged (a deployment has no such process). */
  proxy: Flatness;
}

const flatText = (name: string, f: Flatness) =>
  `${name} ${f.secondThirdMiB.toFixed(0)} → ${f.lastThirdMiB.toFixed(0)} MiB (${f.growth >= 0 ? "+" : ""}${(f.growth * 100).toFixed(1)} %)`;

/** Whether the run passed: the correctness verdict alone decides the exit code. */
export function verdict(s: Snapshot, memory: MemoryFlatness): { line: string; ok: boolean } {
  const lost = s.chat.lost + s.chat.vanished;
  const fives = s.traffic.totals().serverErrors;
  // Frames thrown away on purpose must each be found as lost, and nothing else may be.
  const ok = lost === s.chat.dropped && fives === 0;
  const lostText =
    s.chat.dropped === 0
      ? lost === 0
        ? "zero lost messages"
        : `${lost} LOST MESSAGES`
      : lost === s.chat.dropped
        ? `${lost} lost messages, exactly the ${s.chat.dropped} dropped on purpose`
        : `${lost} LOST MESSAGES where ${s.chat.dropped} were dropped on purpose`;
  const flat = memory.total.flat && memory.workerd.flat;
  const means = `mean of the second third → the last: ${flatText("all", memory.total)}, ${flatText("workerd", memory.workerd)}; flat is at most +${FLAT_TOLERANCE * 100} %; not judged: ${flatText("wrangler dev's proxy", memory.proxy)}`;
  const line = `VERDICT ${ok ? "PASS" : "FAIL"}: ${lostText} (${s.chat.owed} deliveries owed), ${fives === 0 ? "zero 5xx" : `${fives} UNEXPECTED 5xx`} (no faults injected), ${flat ? "memory flat" : "MEMORY GREW"} (${means})`;
  return { line, ok };
}

/** Everything printed at the end, ending with the verdict line. */
export function final(s: Snapshot, memory: MemoryFlatness, rates: string[]): { text: string; ok: boolean } {
  const t = s.traffic.totals();
  const a = s.activity;
  const rows: [string, string, string][] = [
    [
      "requests",
      String(t.requests),
      `${(t.requests / (s.elapsedMs / 1000)).toFixed(1)}/s over ${clock(s.elapsedMs)}: ${requestsLine(s.traffic)}`,
    ],
    ["errors", String(t.errors), errorsLine(s.traffic)],
    ["lesson reads", String(a.lessonReads), `${a.lessonNotModified} answered 304 to the ETag held`],
    ["quizzes submitted", String(a.quizzesSubmitted), "start attempt, answer every question, submit"],
    ["uploads accepted", String(a.uploads), "corpus PDFs, generation on"],
    ["chat", String(s.chat.accepted), chatLine(s.chat, a)],
    ...s.jobs.map((k): [string, string, string] => [
      `jobs ${k.kind}`,
      String(Object.values(k.states).reduce((x, y) => x + y, 0)),
      jobLine(k),
    ]),
    ["platform memory", mib(s.memory.at(-1)?.totalKiB ?? 0), memoryLine(s.memory)],
  ];
  const fives = [...s.traffic.serverErrors.values()].map(
    (e) => `- ${e.count}× ${e.status} ${e.type}, first on ${e.firstRoute} (request id ${e.firstRequestId || "none"})`,
  );
  const failures = Object.entries(a.failures).map(([key, n]) => `- ${n}× ${key}`);
  const result = verdict(s, memory);
  const text = [
    table("studyhall soak: local wrangler dev on this machine (shared with other work: figures, not limits)", rows),
    "",
    `rates: ${rates.join("; ")}`,
    `5xx answers: ${fives.length ? `\n${fives.join("\n")}` : "none"}`,
    `failed actions: ${failures.length ? `\n${failures.join("\n")}` : "none"}`,
    `memory over time (MiB, mean per minute of load): all ${timeline(s.memory)}`,
    `                                                  workerd ${timeline(s.memory, "workerd")}`,
    `                                                  workerd-proxy ${timeline(s.memory, "workerd-proxy")}`,
    "job latency: the job row's finishedAt − createdAt of completed jobs (n/a: none completed)",
    "",
    result.line,
  ].join("\n");
  return { text, ok: result.ok };
}
