/**
 * Cached lesson reads, studyhall beside the floor: one lesson of a course
 * generated through the platform (tracemonkey.pdf), read until the KV cache
 * answers it, then read by 64 connections for the run's duration, first all
 * as one user, then each connection its own user (each user's first read made
 * just before the clock starts, so every timed read is a cache hit by a reader
 * whose permits are leased). The floor
 * answers the same bytes from one KV get. The platform's limits are raised out
 * of reach (bench/bench-platform.ts) with the limiter on. Printed, never judged.
 */
import { type AcceptedUpload, corpusPdf, expectJson, getJson, streamJob, uniquePdf, uploadPdf } from "../test/e2e/studyhall-client.ts";
import type { Comparison } from "./compare.ts";
import { load, pooledLoad, sideBySide, statusSummary } from "./load.ts";
import type { Teacher } from "./teacher-accounts.ts";
import { inBatches } from "./teacher-accounts.ts";

export interface LessonReadOptions {
  connections: number;
  durationSeconds: number;
  log: (line: string) => void;
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

/** Reads a lesson until the cache answers it (the first read fills the cache in the background); returns the body. */
async function warm(base: string, token: string, path: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const response = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    const body = await response.text();
    if (response.status === 200 && response.headers.get("X-Cache") === "HIT") return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${path} never came from the cache`);
}

export interface LessonReadSetup {
  /** The lesson's path on studyhall. */
  path: string;
  /** Bytes of the lesson's JSON, as studyhall answers it and the floor stores it. */
  bytes: number;
}

/**
 * Generates the course, warms one lesson for every reader and seeds the floor with the same body.
 * @example
 * const setup = await prepareLessonReads(platform.url, floor.url, owner, readers);
 */
export async function prepareLessonReads(
  base: string,
  floorUrl: string,
  owner: Teacher,
  readers: readonly Teacher[],
): Promise<LessonReadSetup> {
  const { courseId, lessonIds } = await publishedLessons(base, owner.token);
  const path = `/v1/courses/${courseId}/lessons/${lessonIds[0]}`;
  const body = await warm(base, owner.token, path);
  await inBatches(readers, 8, (reader) => warm(base, reader.token, path));
  const seeded = await fetch(`${floorUrl}/floor/lessons/bench`, { method: "PUT", body });
  if (seeded.status !== 204) throw new Error(`the floor refused the lesson: ${seeded.status}`);
  return { path, bytes: new TextEncoder().encode(body).length };
}

/** The two lesson-read cases, each run on studyhall and on the floor twice (`sideBySide`). */
export async function compareLessonReads(
  base: string,
  floorUrl: string,
  setup: LessonReadSetup,
  readers: readonly Teacher[],
  options: LessonReadOptions,
): Promise<Comparison[]> {
  const { connections, durationSeconds, log } = options;
  const common = { connections, durationSeconds };
  const floorRead = () => load({ ...common, url: `${floorUrl}/floor/lessons/bench` });
  const as = (reader: Teacher) => ({ Authorization: `Bearer ${reader.token}` });
  const cases: [string, (i: number) => Teacher][] = [
    ["cached lesson read, 1 user", () => readers[0]!],
    [`cached lesson read, ${connections} users`, (i) => readers[i % readers.length]!],
  ];
  const comparisons: Comparison[] = [];
  for (const [name, reader] of cases) {
    // Each reader reads once just before each run's clock, as a reader in steady use has: their API permits are
    // then leased (and renewed ahead as they read), so the run measures reads in use, not each reader's first
    // request after a pause, which waits once for their limiter object (SCALING.md gives that cost).
    const distinct = [...new Set(Array.from({ length: connections }, (_, i) => reader(i)))];
    const [studyhall, floor] = await sideBySide(
      name,
      async () => {
        await inBatches(distinct, 8, (r) => warm(base, r.token, setup.path));
        return load({ ...common, url: `${base}${setup.path}`, headersFor: (i) => as(reader(i)) });
      },
      floorRead,
      log,
      pooledLoad,
    );
    comparisons.push({
      name,
      studyhall,
      floor,
      unit: "req/s",
      note: `${connections} connections, ${durationSeconds} s, ${setup.bytes} B lesson; studyhall ${statusSummary(studyhall.statuses)}; floor ${statusSummary(floor.statuses)}`,
    });
  }
  return comparisons;
}
