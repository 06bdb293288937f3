/**
 * `npm run bench`: figures for this machine, printed, never judged (nothing
 * here fails on time). It parses the corpus and builds an export in Node, then
 * starts its own platform instance as the e2e suite does (fresh state, its own
 * port, request limits raised out of reach with the limiter still on:
 * bench/bench-platform.ts) and, in a second wrangler dev, the floor Worker
 * (bench/floor/), and measures upload → published course, then the hot routes
 * on studyhall and on the floor with the same autocannon load: cached lesson
 * reads, room fan-out to 1,000 sockets, upload accept. It prints each figure
 * beside its ratio to the floor's, and the binding calls one request of each
 * route makes. Runs in about fifteen minutes; `--quick` in about five.
 *
 *   npm run bench -- --quick
 *   npm run bench -- --duration 10 --connections 64 --upload-connections 4 --course-runs 3 --sockets 1000 --burst 1000
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Platform } from "../test/e2e/platform.ts";
import { createStudyRoom } from "../test/e2e/session-client.ts";
import { corpusPdf, demoTeacher, signIn } from "../test/e2e/studyhall-client.ts";
import { startBenchPlatform } from "./bench-platform.ts";
import { bindingCountTable, countBindingCalls, type RouteCount, type RouteProbe } from "./binding-counts.ts";
import { type Comparison, comparisonTable } from "./compare.ts";
import { type CourseTiming, timeCourse } from "./course-timing.ts";
import { exportRows, measureExport } from "./export.ts";
import { type Floor, startFloor } from "./floor-process.ts";
import { compareLessonReads, prepareLessonReads } from "./lesson-reads.ts";
import { sideBySide } from "./load.ts";
import { parseCorpus } from "./parse-corpus.ts";
import { fanoutComparison, floorRoomRun, measureRoom, pooledFanout } from "./room-fanout.ts";
import { fanoutRows, sessionRoomFanout } from "./session-fanout.ts";
import { median, ms, seconds, table } from "./stats.ts";
import { registerSchool } from "./teacher-accounts.ts";
import { compareUploads, distinctBodies, paddedPdf } from "./upload-accept.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    duration: { type: "string" },
    connections: { type: "string", default: "64" },
    "upload-connections": { type: "string", default: "4" },
    "course-runs": { type: "string" },
    sockets: { type: "string" },
    burst: { type: "string" },
    "upload-pdf": { type: "string", default: "pdfjs_wikipedia.pdf" },
    "skip-parse": { type: "boolean", default: false },
    "skip-postgres": { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
  },
});
// --quick: short runs while working on the bench; its figures are not the ones to quote.
const quick = values.quick;
const durationSeconds = Number(values.duration ?? (quick ? 3 : 10));
const connections = Number(values.connections);
const uploadConnections = Number(values["upload-connections"]);
const courseRuns = Number(values["course-runs"] ?? (quick ? 1 : 3));
const socketCount = Number(values.sockets ?? (quick ? 200 : 1000));
const latencyMessages = quick ? 10 : 30;
const burstMessages = Number(values.burst ?? (quick ? 200 : 1000));
const autocannonVersion = (
  JSON.parse(readFileSync(new URL("../node_modules/autocannon/package.json", import.meta.url), "utf8")) as { version: string }
).version;
const log = (line: string) => console.error(line);
const detail = values.verbose ? log : () => {};

const rows: [string, string, string][] = [];
const notes: string[] = [];
const machine = () =>
  `Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? "unknown"}), load average ${loadavg()[0]!.toFixed(1)}`;
const startedOn = machine();
log(`studyhall bench: ${startedOn}`);

// (b) Parser throughput, before the platform starts, so nothing else competes for the CPU.
if (!values["skip-parse"] && !quick) {
  log("(b) parsing every corpus PDF in Node…");
  const corpus = await parseCorpus(detail);
  const failed =
    Object.entries(corpus.failures)
      .map(([code, n]) => `${n} ${code}`)
      .join(", ") || "none";
  rows.push(
    [
      "(b) parse throughput",
      `${(corpus.pages / (corpus.parsedMs / 1000)).toFixed(1)} pages/s`,
      `${corpus.pages} pages in ${corpus.parsed} files that parsed`,
    ],
    ["(b) whole corpus", seconds(corpus.totalMs), `${corpus.files} files; refused: ${failed}`],
    ["(b) slowest file", ms(corpus.slowest.ms), `${corpus.slowest.file}, ${corpus.slowest.pages} pages`],
  );
  notes.push(
    "(b) packages/pdf (unpdf/pdf.js) run directly in this Node process, bundled with esbuild as wrangler bundles the workers; each corpus file parsed once after one warm-up parse; no platform running. Not through the platform, whose queue waits, R2 reads and D1 writes would count as parsing.",
  );
}

// (e) A 300-page course export, in its own Node process, also before the platform starts.
if (!quick) {
  log("(e) building a 300-page course export in Node…");
  const exported = exportRows(measureExport());
  rows.push(...exported.rows);
  notes.push(...exported.notes);
}

const comparisons: Comparison[] = [];
/**
 * The cached lesson read and the upload accept, as one counted request each; `onJob` gets the upload's job id.
 * The floor's column names the calls its own route makes (on D1: the floor has no PostgreSQL).
 */
function hotRouteProbes(
  base: string,
  token: string,
  lessonPath: string,
  upload: () => Uint8Array,
  onJob: (id: string) => void,
): RouteProbe[] {
  const auth = { Authorization: `Bearer ${token}` };
  return [
    {
      route: "GET /v1/courses/{id}/lessons/{lessonId} (cached)",
      floor: "kv=1,d1=0,pg=0,do=0,r2=0,queue=0",
      send: (h) => fetch(`${base}${lessonPath}`, { headers: { ...auth, ...h } }),
    },
    {
      route: "POST /v1/documents (1 MiB, generate=false)",
      floor: "kv=0,d1=1,pg=0,do=0,r2=1,queue=1",
      send: async (h) => {
        const response = await fetch(`${base}/v1/documents?generate=false&title=counted`, {
          method: "POST",
          headers: { ...auth, ...h, "Content-Type": "application/pdf" },
          body: new Uint8Array(upload()),
        });
        onJob(String(((await response.clone().json()) as { job?: { id?: string } }).job?.id ?? ""));
        return response;
      },
    },
  ];
}

/** An uncounted request of the counted user just before each counted one: see `countBindingCalls`. */
async function steadyUse(base: string, token: string): Promise<void> {
  const response = await fetch(`${base}/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`GET /v1/me answered ${response.status} before a counted request`);
}

let counts: RouteCount[] = [];

let platform: Platform | undefined;
let onPostgres: Platform | undefined;
let floor: Floor | undefined;
let floorState: string | undefined;
let failure: unknown;
try {
  log("starting a platform instance (wrangler dev of every worker, fresh state), then the floor in a wrangler dev of its own…");
  platform = await startBenchPlatform("bench");
  // A state directory of its own: the floor outlives the first platform instance (see (g)).
  floorState = mkdtempSync(join(tmpdir(), "studyhall-bench-floor-"));
  floor = await startFloor(floorState);
  const base = platform.url;

  // (c) Upload to published course, one at a time on a quiet platform.
  log(`(c) tracemonkey.pdf to a published course, ${courseRuns} runs…`);
  const token = await signIn(base, demoTeacher);
  const tracemonkey = await corpusPdf("tracemonkey.pdf");
  const timings: CourseTiming[] = [];
  for (let run = 1; run <= courseRuns; run++) {
    const timing = await timeCourse(base, token, tracemonkey, `course-run-${run}-${Date.now()}`);
    detail(`  run ${run}: ${JSON.stringify(timing)}`);
    timings.push(timing);
  }
  const of = (key: keyof CourseTiming) => median(timings.map((t) => Number(t[key])));
  const last = timings.at(-1)!;
  rows.push(
    [
      "(c) upload → published course",
      seconds(of("totalMs")),
      `median; runs ${timings.map((t) => seconds(t.totalMs)).join(", ")}; ${last.lessons} lessons, ${last.questions} questions`,
    ],
    ["(c)   accept (202)", ms(of("acceptMs")), "POST /v1/documents"],
    ["(c)   parse job queued", ms(of("parseWaitMs")), "startedAt − createdAt"],
    ["(c)   parse job running", ms(of("parseRunMs")), "finishedAt − startedAt"],
    ["(c)   course job queued", ms(of("courseWaitMs")), "startedAt − createdAt"],
    ["(c)   course job running", ms(of("courseRunMs")), "finishedAt − startedAt"],
  );
  notes.push(
    `(c) the demo teacher uploads tracemonkey.pdf (made unique per run) with course generation on, ${last.provider} provider; the clock runs from sending the upload to the course job's SSE \`end\` event; the split comes from the jobs' own timestamps (median of each).`,
  );

  // The hot routes, studyhall beside the floor. One organisation: an owner, the readers, the uploaders.
  log(`registering ${1 + connections + uploadConnections} teachers…`);
  const school = await registerSchool(base, 1 + connections + uploadConnections);
  const [owner, ...others] = school.teachers;
  const readers = others.slice(0, connections);
  const uploaders = others.slice(connections);

  log(`(d) cached lesson reads, ${connections} connections, ${durationSeconds} s each…`);
  const lessons = await prepareLessonReads(base, floor.url, owner!, readers);
  comparisons.push(...(await compareLessonReads(base, floor.url, lessons, readers, { connections, durationSeconds, log })));

  log(`(f) room fan-out to ${socketCount} sockets, studyhall's SessionRoom beside the floor's room…`);
  const sessionRoom = await sessionRoomFanout(base, {
    sockets: socketCount,
    messages: latencyMessages,
    throughput: burstMessages,
    log: detail,
  });
  const [sessions, floorRoom] = await sideBySide(
    "room fan-out",
    sessionRoom,
    () => measureRoom(floorRoomRun(floor!.url, socketCount, latencyMessages, burstMessages, 10), detail),
    log,
    pooledFanout,
  );
  rows.push(...fanoutRows(sessions).rows);
  notes.push(...fanoutRows(sessions).notes);
  comparisons.push(fanoutComparison(sessions, floorRoom));

  log("counting binding calls per route…");
  const auth = { Authorization: `Bearer ${owner!.token}` };
  const oneUpload = distinctBodies(await paddedPdf(values["upload-pdf"]));
  let jobId = "";
  const { sessionId } = await createStudyRoom(base, owner!.token, `Binding calls ${Date.now()}`);
  counts = await countBindingCalls(
    [
      ...hotRouteProbes(base, owner!.token, lessons.path, oneUpload, (id) => {
        jobId = id;
      }),
      {
        route: "GET /v1/jobs/{id} (job progress)",
        floor: "no floor route",
        send: (h) => fetch(`${base}/v1/jobs/${jobId}`, { headers: { ...auth, ...h } }),
      },
      {
        route: "POST /v1/sessions/{id}/ticket (room join)",
        floor: "none (no tickets)",
        send: (h) => fetch(`${base}/v1/sessions/${sessionId}/ticket`, { method: "POST", headers: { ...auth, ...h } }),
      },
    ],
    () => steadyUse(base, owner!.token),
  );

  // Last: every upload starts a parse job, which would compete with whatever was measured after it.
  log(`(a) upload accept, ${uploadConnections} connections, ${durationSeconds} s each…`);
  comparisons.push(
    ...(await compareUploads(base, floor.url, uploaders, {
      admin: school.admin,
      connections: uploadConnections,
      durationSeconds,
      pdfName: values["upload-pdf"],
      log,
    })),
  );

  // (g) The reads and the accept again with PostgreSQL as the relational store, against the same floor.
  if (!values["skip-postgres"]) {
    await platform.stop();
    log("(g) the same platform on PostgreSQL (npm run dev -- --store postgres): cached lesson reads and upload accept…");
    onPostgres = await startBenchPlatform("bench-pg", "postgres");
    const pgBase = onPostgres.url;
    const pgSchool = await registerSchool(pgBase, 1 + connections + uploadConnections);
    const [pgOwner, ...pgOthers] = pgSchool.teachers;
    const pgReaders = pgOthers.slice(0, connections);
    const pgLessons = await prepareLessonReads(pgBase, floor.url, pgOwner!, pgReaders);
    const onPg = (c: Comparison): Comparison => ({ ...c, name: `${c.name} (PostgreSQL)` });
    comparisons.push(
      ...(await compareLessonReads(pgBase, floor.url, pgLessons, pgReaders, { connections, durationSeconds, log })).map(onPg),
    );
    comparisons.push(
      ...(
        await compareUploads(pgBase, floor.url, pgOthers.slice(connections), {
          admin: pgSchool.admin,
          connections: uploadConnections,
          durationSeconds,
          pdfName: values["upload-pdf"],
          log,
        })
      ).map(onPg),
    );
    const pgUpload = distinctBodies(await paddedPdf(values["upload-pdf"]));
    const pgCounts = await countBindingCalls(
      hotRouteProbes(pgBase, pgOwner!.token, pgLessons.path, pgUpload, () => {}),
      () => steadyUse(pgBase, pgOwner!.token),
    );
    counts.push(...pgCounts.map((c) => ({ ...c, route: `${c.route} (PostgreSQL)` })));
    notes.push(
      "(g) a second platform instance with `--store postgres`: every worker's relational store is a private PostgreSQL cluster (Debian's package) reached through the Hyperdrive binding's local connection string, which names a session pool of the cluster's connections standing in for Hyperdrive's (scripts/pg-pool.ts): a request's connection is handed a server connection an earlier request left, as Hyperdrive hands one out, rather than starting a server process. The floor is the same D1 floor as above.",
    );
  }
} catch (error) {
  // What was measured before a failure is still worth printing.
  failure = error;
} finally {
  await floor?.stop();
  if (floorState) rmSync(floorState, { recursive: true, force: true });
  await platform?.stop();
  await onPostgres?.stop();
}

notes.push(
  `machine at the start: ${startedOn}; at the end: load average ${loadavg()[0]!.toFixed(1)} (other work on the machine shows in every figure).`,
);
notes.push(
  `hot routes: autocannon ${autocannonVersion}, closed loop, the same connections and duration against studyhall and the floor (bench/floor/, a second wrangler dev started with the same flags), each read, upload and room fan-out case run four times in the order studyhall, floor, floor, studyhall, each side's figures its two runs pooled (rates the mean, room latencies every delivery of both); ratio = studyhall/floor for throughput and for p99. The lesson reads are every one a cache hit (each reader's first read made before the clock starts); the room's rate is messages/s each delivered to every socket. Counting binding calls is asked for only by the one counted request of each route, so the timed requests run unwrapped; each counted request follows an uncounted GET /v1/me of the same user, so it finds that user's API permits leased as a request in steady use does (a user's first request after their lease ends, RATE_LIMIT_LEASE_SECONDS, waits for one lease call: do=1). Local wrangler dev on a shared machine: Miniflare's KV, D1 and R2 are files on this disk, not Cloudflare's, and both sides share the CPU with the load generator.`,
);
console.log(
  [
    "",
    table(`studyhall bench${quick ? " (--quick)" : ""}: local wrangler dev on this machine; figures, not pass/fail`, rows),
    "",
    comparisonTable(comparisons),
    "",
    bindingCountTable(counts),
    "",
    notes.map((n) => `- ${n}`).join("\n"),
    "",
  ].join("\n"),
);

if (failure) throw failure;
