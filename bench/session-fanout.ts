/**
 * Live-session fan-out on a local `wrangler dev`: one study room with a
 * thousand WebSockets (the Socket.io + Redis-adapter workload, here one
 * Durable Object). It measures how long one message takes to reach every
 * socket (p50 and p99 over every delivery, and until the last socket has it)
 * and how many messages per second the room takes in and delivers to all.
 * Figures only: nothing here fails on time.
 *
 * Both ends run on this machine, so the figures include Node decoding every
 * frame for a thousand clients; on Cloudflare the clients are elsewhere.
 *
 *   node bench/session-fanout.ts                         # starts its own platform
 *   node bench/session-fanout.ts http://127.0.0.1:8787   # against a running `npm run dev`
 *   node bench/session-fanout.ts --sockets 200 --messages 20 --throughput 500
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Platform } from "../test/e2e/platform.ts";
import { createStudyRoom, sessionTicket } from "../test/e2e/session-client.ts";
import { startBenchPlatform } from "./bench-platform.ts";
import { type FanoutResult, measureRoom } from "./room-fanout.ts";
import { ms, percentile, seconds, table } from "./stats.ts";
import { registerTeachers } from "./teacher-accounts.ts";

export interface FanoutOptions {
  /** Sockets in the room. */
  sockets?: number;
  /** Messages sent one at a time for the latency figures. */
  messages?: number;
  /** Messages sent as fast as the per-person limit allows, for the throughput figure. */
  throughput?: number;
  log?: (line: string) => void;
}

/** Sockets per account: a room holds many people, not one person with a thousand tabs. */
const SOCKETS_PER_ACCOUNT = 100;
/** The room lets one person send 10 chat messages per 10 s, however many sockets they hold. */
const PER_PERSON_BURST = 10;

/**
 * One study room's fan-out, ready to run: the accounts are registered once, and each call opens a fresh room
 * with them, measures it (`measureRoom`) and closes it.
 */
export async function sessionRoomFanout(base: string, options: FanoutOptions = {}): Promise<() => Promise<FanoutResult>> {
  const count = options.sockets ?? 1000;
  const latencyMessages = Math.min(options.messages ?? 30, count);
  const throughputMessages = options.throughput ?? 1000;
  const log = options.log ?? (() => {});

  // Socket i belongs to account i % accounts: the first sockets (the latency senders, then the burst senders) are
  // each a different person's, so no sender shares a send budget with another.
  const senderCount = latencyMessages + Math.ceil(throughputMessages / PER_PERSON_BURST);
  const accountCount = Math.min(count, Math.max(Math.ceil(count / SOCKETS_PER_ACCOUNT), senderCount));
  log(`  sessions: ${accountCount} accounts, a study room per run, ${count} sockets…`);
  const accounts = await registerTeachers(base, accountCount);
  const host = { Authorization: `Bearer ${accounts[0]!.token}` };

  return async () => {
    const { sessionId } = await createStudyRoom(base, accounts[0]!.token, `Fan-out bench ${crypto.randomUUID()}`);
    const result = await measureRoom(
      {
        sockets: count,
        latencyMessages,
        throughputMessages,
        burst: PER_PERSON_BURST,
        urlFor: async (i) => (await sessionTicket(base, accounts[i % accounts.length]!.token, sessionId)).url,
      },
      log,
    );
    await fetch(`${base}/v1/sessions/${sessionId}/close`, { method: "POST", headers: host });
    return result;
  };
}

/** The benchmark table's rows for a result, and the notes that say how they were measured. */
export function fanoutRows(r: FanoutResult): { rows: [string, string, string][]; notes: string[] } {
  const wallSeconds = r.throughput.wallMs / 1000;
  const errors = Object.entries(r.errors)
    .map(([code, n]) => `${n}× ${code}`)
    .join(", ");
  const rows: [string, string, string][] = [
    [
      "(f) fan-out latency p50",
      ms(percentile(r.deliveryMs, 50)),
      `one message to ${r.sockets} sockets; ${r.deliveryMs.length} deliveries${r.runs > 1 ? ` over ${r.runs} runs` : ""}`,
    ],
    ["(f) fan-out latency p99", ms(percentile(r.deliveryMs, 99)), r.missing ? `${r.missing} deliveries NEVER ARRIVED` : "same deliveries"],
    [
      "(f)   until the last socket",
      ms(percentile(r.lastSocketMs, 50)),
      `p50 of ${r.latencyMessages} messages; p99 ${ms(percentile(r.lastSocketMs, 99))}`,
    ],
    [
      "(f) room messages/s",
      (r.throughput.delivered / r.sockets / wallSeconds).toFixed(0),
      `${r.throughput.messages} messages, each to all ${r.sockets} sockets${r.throughput.complete ? "" : "; INCOMPLETE"}`,
    ],
    ["(f)   deliveries/s", (r.throughput.delivered / wallSeconds).toFixed(0), `over ${seconds(r.throughput.wallMs)}`],
    [
      "(f) sockets connected",
      seconds(r.connectMs),
      `${r.sockets} × (ticket + upgrade + welcome), 25 at a time${r.runs > 1 ? "; mean of the runs" : ""}`,
    ],
  ];
  const notes = [
    `(f) one study room (one Durable Object) with ${r.sockets} WebSockets from this Node process (its global WebSocket), spread over freshly registered teachers (each sender its own, as the room's send limit is per person; at most ${SOCKETS_PER_ACCOUNT} sockets each); the API's request limits are raised out of reach (bench/bench-platform.ts), the room's own per-person send limit is not. ${r.runs > 1 ? `${r.runs} runs, each in a fresh room with the same accounts, their figures pooled. ` : ""}Latency: ${r.latencyMessages / r.runs} chat messages sent one at a time, each from a different socket, timed from send to arrival at every socket (performance.now() in the one client process, so Node decoding ${r.sockets} frames per message is part of the figure). Throughput: ${Math.ceil(r.throughput.messages / r.runs / PER_PERSON_BURST)} sockets send ${PER_PERSON_BURST} messages each at once (the per-person limit is ${PER_PERSON_BURST} per 10 s), timed from the first send to the last arrival at the last socket; messages/s counts each message once, deliveries/s every frame received.${errors ? ` Error frames: ${errors}.` : ""}`,
  ];
  return { rows, notes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      sockets: { type: "string", default: "1000" },
      messages: { type: "string", default: "30" },
      throughput: { type: "string", default: "1000" },
    },
  });
  let platform: Platform | undefined;
  try {
    let base = positionals[0];
    if (!base) {
      console.error("starting a platform instance (wrangler dev of every worker, fresh state)…");
      platform = await startBenchPlatform("bench-sessions");
      base = platform.url;
    }
    const run = await sessionRoomFanout(base, {
      sockets: Number(values.sockets),
      messages: Number(values.messages),
      throughput: Number(values.throughput),
      log: (line) => console.error(line),
    });
    const result = await run();
    const { rows, notes } = fanoutRows(result);
    console.log(
      `\n${table("studyhall session fan-out: local wrangler dev on this machine; figures, not pass/fail", rows)}\n\n${notes.map((n) => `- ${n}`).join("\n")}\n`,
    );
  } finally {
    await platform?.stop();
  }
}
