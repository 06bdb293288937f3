/**
 * Fan-out through one room, whoever serves it: N WebSockets from this Node
 * process, then (1) messages sent one at a time, each from a different socket,
 * timed from send to arrival at every socket, and (2) a burst: senders that
 * have not spoken yet each send a full burst at once, timed from the first send
 * to the last arrival at the last socket. studyhall's SessionRoom and the
 * floor's room are measured by the same code. Figures only.
 */
import { LiveSocket, type SessionFrame } from "../test/e2e/session-client.ts";
import type { Comparison } from "./compare.ts";
import { percentile, sumCounts } from "./stats.ts";
import { inBatches } from "./teacher-accounts.ts";

export interface FanoutResult {
  /** How many runs these figures pool (`pooledFanout`); each run is a fresh room. */
  runs: number;
  sockets: number;
  /** Messages sent one at a time for the latency figures, over all runs. */
  latencyMessages: number;
  /** Connecting every socket, mean of the runs. */
  connectMs: number;
  /** Send → arrival, one sample per socket per message. */
  deliveryMs: number[];
  /** Send → arrival at the last socket, one sample per message. */
  lastSocketMs: number[];
  throughput: { messages: number; delivered: number; wallMs: number; complete: boolean };
  /** Latency deliveries that never arrived (a healthy run has none). */
  missing: number;
  errors: Record<string, number>;
}

export interface RoomRun {
  sockets: number;
  latencyMessages: number;
  throughputMessages: number;
  /** Messages each burst sender sends at once. */
  burst: number;
  /** The URL socket `i` connects with (a fresh ticket, for studyhall). */
  urlFor(i: number): Promise<string>;
}

type Handler = (frame: SessionFrame, at: number) => void;

/**
 * @example
 * const result = await measureRoom({ sockets: 1000, latencyMessages: 30, throughputMessages: 1000, burst: 10, urlFor });
 */
export async function measureRoom(run: RoomRun, log: (line: string) => void = () => {}): Promise<FanoutResult> {
  const count = run.sockets;
  const latencyMessages = Math.min(run.latencyMessages, count);
  const errors: Record<string, number> = {};

  // Each socket's handler is swapped per phase; errors are counted throughout.
  const handlers: Handler[] = [];
  const connectStarted = performance.now();
  const sockets = await inBatches(
    Array.from({ length: count }, (_, i) => i),
    25,
    async (i) =>
      LiveSocket.open(await run.urlFor(i), {
        keepFrames: false,
        // Each join to studyhall's room reads every present socket's state, so on a loaded machine the last welcomes take a while.
        timeoutMs: 120_000,
        onFrame: (frame, at) => {
          if (frame.type === "error") errors[frame.code ?? "unknown"] = (errors[frame.code ?? "unknown"] ?? 0) + 1;
          handlers[i]?.(frame, at);
        },
      }),
  );
  const connectMs = performance.now() - connectStarted;
  log(`    ${count} sockets connected in ${(connectMs / 1000).toFixed(1)} s`);

  const deliveryMs: number[] = [];
  const lastSocketMs: number[] = [];
  let missing = 0;
  for (let k = 0; k < latencyMessages; k++) {
    const text = `latency ${k}`;
    let waiting = count;
    let sentAt = 0;
    await new Promise<void>((resolve) => {
      // A guard against a lost delivery: count it as missing rather than hang.
      const guard = setTimeout(() => {
        missing += waiting;
        resolve();
      }, 60_000);
      sockets.forEach((_, i) => {
        handlers[i] = (frame, at) => {
          if (frame.type !== "chat" || frame.text !== text) return;
          deliveryMs.push(at - sentAt);
          if (--waiting === 0) {
            clearTimeout(guard);
            lastSocketMs.push(at - sentAt);
            resolve();
          }
        };
      });
      sentAt = performance.now();
      sockets[k]!.send({ type: "chat", text });
    });
  }
  if (missing) log(`    ${missing} latency deliveries never arrived (${sockets.filter((s) => s.closed).length} sockets closed)`);

  const senders = sockets.slice(latencyMessages, latencyMessages + Math.ceil(run.throughputMessages / run.burst));
  const total = Math.min(run.throughputMessages, senders.length * run.burst);
  let delivered = 0;
  let lastAt = 0;
  const started = performance.now();
  const complete = await new Promise<boolean>((resolve) => {
    // A guard against a stuck run: report what arrived rather than fail.
    const guard = setTimeout(() => resolve(false), 10 * 60_000);
    sockets.forEach((_, i) => {
      handlers[i] = (frame, at) => {
        if (frame.type !== "chat" || !frame.text?.startsWith("burst ")) return;
        lastAt = at;
        if (++delivered === total * count) {
          clearTimeout(guard);
          resolve(true);
        }
      };
    });
    let sent = 0;
    for (const sender of senders)
      for (let j = 0; j < run.burst && sent < total; j++, sent++) sender.send({ type: "chat", text: `burst ${sent}` });
  });
  const wallMs = (lastAt || performance.now()) - started;
  await Promise.all(sockets.map((s) => s.close()));
  return {
    runs: 1,
    sockets: count,
    latencyMessages,
    connectMs,
    deliveryMs,
    lastSocketMs,
    throughput: { messages: total, delivered, wallMs, complete },
    missing,
    errors,
  };
}

/**
 * Runs of one room as one: every delivery and every message's last arrival, the bursts' messages and
 * deliveries summed over their summed time, errors and missing deliveries summed.
 */
export function pooledFanout(runs: FanoutResult[]): FanoutResult {
  const sum = (of: (run: FanoutResult) => number) => runs.reduce((total, run) => total + of(run), 0);
  return {
    runs: sum((run) => run.runs),
    sockets: runs[0]!.sockets,
    latencyMessages: sum((run) => run.latencyMessages),
    connectMs: sum((run) => run.connectMs) / runs.length,
    deliveryMs: runs.flatMap((run) => run.deliveryMs),
    lastSocketMs: runs.flatMap((run) => run.lastSocketMs),
    throughput: {
      messages: sum((run) => run.throughput.messages),
      delivered: sum((run) => run.throughput.delivered),
      wallMs: sum((run) => run.throughput.wallMs),
      complete: runs.every((run) => run.throughput.complete),
    },
    missing: sum((run) => run.missing),
    errors: sumCounts(runs.map((run) => run.errors)),
  };
}

/** The same run against the floor's room: no tickets, no accounts, one URL for every socket. */
export function floorRoomRun(
  floorUrl: string,
  sockets: number,
  latencyMessages: number,
  throughputMessages: number,
  burst: number,
): RoomRun {
  const url = `${floorUrl.replace(/^http/, "ws")}/floor/rooms/fanout-${crypto.randomUUID()}/ws`;
  return { sockets, latencyMessages, throughputMessages, burst, urlFor: async () => url };
}

/** Room messages/s (each message once, delivered to every socket) and the delivery percentiles, beside the floor's. */
export function fanoutComparison(studyhall: FanoutResult, floor: FanoutResult): Comparison {
  const figures = (r: FanoutResult) => ({
    rps: r.throughput.delivered / r.sockets / (r.throughput.wallMs / 1000),
    p50Ms: percentile(r.deliveryMs, 50),
    p99Ms: percentile(r.deliveryMs, 99),
  });
  const lost = studyhall.missing + floor.missing;
  return {
    name: `room fan-out to ${studyhall.sockets} sockets`,
    studyhall: figures(studyhall),
    floor: figures(floor),
    unit: "msg/s",
    note: `${studyhall.runs} runs a side (studyhall, floor, floor, studyhall), each a fresh room; latency: ${studyhall.latencyMessages / studyhall.runs} messages one at a time per run, p50/p99 over every delivery of both runs; rate: a burst of ${studyhall.throughput.messages / studyhall.runs} messages per run${lost ? `; ${lost} deliveries NEVER ARRIVED` : ""}${studyhall.throughput.complete && floor.throughput.complete ? "" : "; a burst INCOMPLETE"}`,
  };
}
