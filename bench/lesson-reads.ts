/**
 * Cached lesson reads under load: 64 closed-loop clients, each its own
 * signed-in teacher of one organisation, read the lessons of a published
 * course (tracemonkey.pdf, generated through the platform) as fast as they
 * are answered. Every lesson is read once beforehand until the KV cache
 * answers it (`X-Cache: HIT`), so the timed reads are the cached path:
 * token check, user row, rate limit, KV read. The platform's limits are
 * raised out of reach (bench/bench-platform.ts), so no 429 skews the
 * figures. Printed, never judged.
 *
 *   node bench/lesson-reads.ts [--clients 64] [--requests-per-client 100]   # starts its own platform
 */
import { parseArgs } from "node:util";
import { type AcceptedUpload, corpusPdf, expectJson, getJson, streamJob, uniquePdf, uploadPdf } from "../test/e2e/studyhall-client.ts";
import { startBenchPlatform } from "./bench-platform.ts";
import { ms, percentile, seconds, table } from "./stats.ts";
import { inBatches, registerTeachers } from "./teacher-accounts.ts";

export interface LessonReadOptions {
  clients?: number;
  /** Reads per client. */
  requestsPerClient?: number;
}

export interface LessonReadFigures {
  clients: number;
  lessons: number;
  requests: number;
  hits: number;
  /** Status code to count, for anything but 200. */
  others: Record<string, number>;
  latenciesMs: number[];
  wallMs: number;
}

/** A course generated through the platform by `token`'s teacher; its lesson ids. */
async function publishedLessons(base: string, token: string): Promise<{ courseId: string; lessonIds: string[] }> {
  const pdf = uniquePdf(await corpusPdf("tracemonkey.pdf"), `lesson-reads ${Date.now()}`);
  const accepted = await expectJson<AcceptedUpload>(await uploadPdf(base, token, pdf, "?title=Lesson%20reads"), 202);
  const parse = (await streamJob(base, token, accepted.job.id)).jobs.at(-1)!;
  const course = (await streamJob(base, token, String(parse.result?.courseJobId))).jobs.at(-1)!;
  if (course.status !== "completed") throw new Error(`course generation ended ${course.status}`);
  const courseId = String(course.result?.courseId);
  const outline = await getJson<{ modules: { lessons: { id: string }[] }[] }>(base, `/v1/courses/${courseId}`, token);
  return { courseId, lessonIds: outline.modules.flatMap((m) => m.lessons.map((l) => l.id)) };
}

/** Reads a lesson until the cache answers it (the first read fills the cache in the background). */
async function warm(base: string, token: string, path: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const response = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    await response.arrayBuffer();
    if (response.headers.get("X-Cache") === "HIT") return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${path} never came from the cache`);
}

/**
 * Generates a course, warms its lessons, then times the reads.
 * @example
 * const figures = await measureLessonReads(platform.url, { clients: 64 });
 */
export async function measureLessonReads(base: string, options: LessonReadOptions = {}): Promise<LessonReadFigures> {
  const clients = options.clients ?? 64;
  const perClient = options.requestsPerClient ?? 100;
  // One more teacher than readers: the owner's own budget goes on generating and warming.
  const [owner, ...readers] = await registerTeachers(base, clients + 1);
  const { courseId, lessonIds } = await publishedLessons(base, owner!.token);
  const paths = lessonIds.map((id) => `/v1/courses/${courseId}/lessons/${id}`);
  await inBatches(paths, 4, (path) => warm(base, owner!.token, path));

  const figures: LessonReadFigures = { clients, lessons: paths.length, requests: 0, hits: 0, others: {}, latenciesMs: [], wallMs: 0 };
  const started = performance.now();
  await Promise.all(
    readers.map(async (reader, client) => {
      for (let i = 0; i < perClient; i++) {
        const path = paths[(client + i) % paths.length]!;
        const sent = performance.now();
        const response = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${reader.token}` } });
        await response.arrayBuffer();
        figures.latenciesMs.push(performance.now() - sent);
        figures.requests++;
        if (response.status !== 200) figures.others[response.status] = (figures.others[response.status] ?? 0) + 1;
        else if (response.headers.get("X-Cache") === "HIT") figures.hits++;
      }
    }),
  );
  figures.wallMs = performance.now() - started;
  return figures;
}

/** Rows and notes for the benchmark's table. */
export function lessonReadRows(f: LessonReadFigures): { rows: [string, string, string][]; notes: string[] } {
  const others = Object.entries(f.others)
    .map(([status, n]) => `${n}× ${status}`)
    .join(", ");
  return {
    rows: [
      [
        "(d) cached lesson read p50",
        ms(percentile(f.latenciesMs, 50)),
        `${f.requests} reads, ${f.clients} concurrent clients, ${f.lessons} lessons`,
      ],
      [
        "(d) cached lesson read p99",
        ms(percentile(f.latenciesMs, 99)),
        `${f.hits} answered from KV (X-Cache: HIT)${others ? `; ${others}` : ""}`,
      ],
      ["(d) lesson reads/s", (f.requests / (f.wallMs / 1000)).toFixed(0), `over ${seconds(f.wallMs)}`],
    ],
    notes: [
      `(d) ${f.clients} closed-loop clients, each a freshly registered teacher of one organisation, read the lessons of a course generated from tracemonkey.pdf through the platform, round-robin, ${Math.round(f.requests / Math.max(1, f.clients))} reads each (limits raised out of reach, the limiter on). Every lesson was read until the cache answered it before the clock started. Local wrangler dev: KV is Miniflare's on-disk store, not Cloudflare's edge cache.`,
    ],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { clients: { type: "string", default: "64" }, "requests-per-client": { type: "string", default: "100" } },
  });
  console.error("starting a platform instance (wrangler dev of every worker, fresh state)…");
  const platform = await startBenchPlatform("lesson-reads");
  try {
    const { rows, notes } = lessonReadRows(
      await measureLessonReads(platform.url, { clients: Number(values.clients), requestsPerClient: Number(values["requests-per-client"]) }),
    );
    console.log(
      `\n${table("studyhall lesson-read bench (local wrangler dev; figures, not pass/fail)", rows)}\n\n${notes.map((n) => `- ${n}`).join("\n")}\n`,
    );
  } finally {
    await platform.stop();
  }
}
