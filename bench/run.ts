/**
 * `npm run bench`: figures for this machine, printed, never judged (nothing
 * here fails on time). It parses the corpus in Node, then starts its own
 * platform instance as the e2e suite does (fresh state, its own port, request
 * limits raised out of reach with the limiter still on: bench/bench-platform.ts) and measures upload → published course and the accept
 * latency of uploads under concurrency. Runs in a few minutes.
 *
 *   npm run bench -- --clients 32 --uploads-per-client 5 --course-runs 3 --upload-pdf tracemonkey.pdf
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import type { Platform } from "../test/e2e/platform.ts";
import { corpusPdf, demoTeacher, signIn } from "../test/e2e/studyhall-client.ts";
import { startBenchPlatform } from "./bench-platform.ts";
import { type CourseTiming, timeCourse } from "./course-timing.ts";
import { exportRows, measureExport } from "./export.ts";
import { lessonReadRows, measureLessonReads } from "./lesson-reads.ts";
import { parseCorpus } from "./parse-corpus.ts";
import { benchSessionFanout, fanoutRows } from "./session-fanout.ts";
import { median, ms, percentile, seconds, table } from "./stats.ts";
import { registerTeachers } from "./teacher-accounts.ts";
import { measureUploads } from "./upload-latency.ts";

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "32" },
    "uploads-per-client": { type: "string", default: "5" },
    "course-runs": { type: "string", default: "3" },
    "upload-pdf": { type: "string", default: "pdfjs_wikipedia.pdf" },
    "skip-parse": { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
  },
});
const clients = Number(values.clients);
const perClient = Number(values["uploads-per-client"]);
const courseRuns = Number(values["course-runs"]);
const log = (line: string) => console.error(line);
const detail = values.verbose ? log : () => {};

const rows: [string, string, string][] = [];
const notes: string[] = [];
const machine = () =>
  `Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? "unknown"}), load average ${loadavg()[0]!.toFixed(1)}`;
const startedOn = machine();
log(`studyhall bench: ${startedOn}`);

// (b) Parser throughput, before the platform starts, so nothing else competes for the CPU.
if (!values["skip-parse"]) {
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
log("(e) building a 300-page course export in Node…");
const exported = exportRows(measureExport());
rows.push(...exported.rows);
notes.push(...exported.notes);

let platform: Platform | undefined;
try {
  log("starting a platform instance (wrangler dev of every worker, fresh state)…");
  platform = await startBenchPlatform("bench");
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

  // (a) Accept latency under concurrency: one fresh teacher per client, the limits raised out of reach.
  log(`(a) registering ${clients} teachers, then ${clients} clients × ${perClient} uploads of ${values["upload-pdf"]}…`);
  const teachers = await registerTeachers(base, clients);
  const pdf = await corpusPdf(values["upload-pdf"]);
  const uploads = await measureUploads(base, teachers, pdf, perClient);
  const others = Object.entries(uploads.others)
    .map(([status, n]) => `${n}× ${status}`)
    .join(", ");
  rows.push(
    ["(a) accept latency p50", ms(percentile(uploads.latenciesMs, 50)), `${uploads.requests} uploads, ${clients} concurrent clients`],
    ["(a) accept latency p99", ms(percentile(uploads.latenciesMs, 99)), `${uploads.accepted} answered 202${others ? `; ${others}` : ""}`],
    ["(a) accepted uploads/s", (uploads.accepted / (uploads.wallMs / 1000)).toFixed(1), `over ${seconds(uploads.wallMs)}`],
  );
  notes.push(
    `(a) ${clients} closed-loop clients, each a freshly registered teacher (one organisation registered through POST /v1/auth/register, the teachers invited and registered, each sign-up from its own CF-Connecting-IP), ${perClient} uploads each; every request limit is raised out of reach (bench/bench-platform.ts) with the limiter still taking from its buckets. Each upload is ${values["upload-pdf"]} (${(pdf.length / 1024).toFixed(0)} KiB) with its own comment line after %%EOF (a distinct hash, so dedupe never answers), ?generate=false. The parse jobs these uploads start run in the same workerd meanwhile.`,
  );

  // (d) Cached lesson reads: 64 clients, each its own teacher, the limits raised out of reach.
  log("(d) cached lesson reads, 64 concurrent clients…");
  const reads = lessonReadRows(await measureLessonReads(base, { clients: 64 }));
  rows.push(...reads.rows);
  notes.push(...reads.notes);

  // (f) Live-session fan-out: one room, a thousand WebSockets, the limits raised out of reach.
  log("(f) live-session fan-out to 1000 sockets in one room…");
  const fanout = fanoutRows(await benchSessionFanout(base, { log: detail }));
  rows.push(...fanout.rows);
  notes.push(...fanout.notes);
} finally {
  await platform?.stop();
}

notes.push(
  `machine at the start: ${startedOn}; at the end: load average ${loadavg()[0]!.toFixed(1)} (other work on the machine shows in every figure).`,
);
console.log(
  `\n${table("studyhall bench: local wrangler dev on this machine; figures, not pass/fail", rows)}\n\n${notes.map((n) => `- ${n}`).join("\n")}\n`,
);
