/**
 * Upload to published course against a real `wrangler dev` of every worker,
 * with the offline (extractive) generator: the demo teacher uploads
 * tracemonkey.pdf, follows both jobs by polling and over Server-Sent Events,
 * and reads the course. What the course says is checked against the paper's
 * text as unpdf extracts it here, not against the platform's own parse.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { longestSharedRun, type PaperText, paperText, unknownWords } from "./paper-text.ts";
import {
  type AcceptedUpload,
  corpusPdf,
  demoTeacher,
  expectJson,
  getJson,
  type JobView,
  pollJob,
  signIn,
  streamJob,
  uploadPdf,
} from "./studyhall-client.ts";

const base = inject("baseUrl");

interface CourseView {
  id: string;
  status: string;
  title: string;
  modules: {
    id: string;
    title: string;
    lessons: { id: string; title: string; ready: boolean }[];
    quiz: { id: string; questionCount: number } | null;
  }[];
}
interface LessonView {
  id: string;
  title: string;
  bodyMd: string;
  keyTerms: { term: string; definition: string }[];
  sources: { sectionIndex: number; pageStart?: number; pageEnd?: number }[];
}
type AnswerKey = {
  quizId: string;
  moduleId: string | null;
  questions: { prompt: string; choices: string[]; answer: unknown; explanation: string; sourcePassage: string | null }[];
}[];

/** Follows one job both ways at once and checks that they agree. */
async function followBothWays(token: string, jobId: string) {
  const before = await getJson<JobView>(base, `/v1/jobs/${jobId}`, token);
  const [polled, streamed] = await Promise.all([pollJob(base, token, jobId), streamJob(base, token, jobId)]);
  return { before, polled, streamed };
}

const nonDecreasing = (values: number[]) => values.every((v, i) => i === 0 || v >= values[i - 1]!);
/** How far along a status is on the happy path. */
const stepOf = (status: string) => ["queued", "active", "completed"].indexOf(status);

describe("tracemonkey.pdf through the real platform with the extractive generator", () => {
  let token: string;
  let paper: PaperText;
  let accepted: AcceptedUpload;
  let parseJob: JobView;
  let courseJob: JobView;
  let course: CourseView;
  /** The first read of each lesson: its ETag and body. */
  const firstReads = new Map<string, { etag: string; body: LessonView }>();

  beforeAll(async () => {
    const bytes = await corpusPdf("tracemonkey.pdf");
    paper = await paperText(bytes);
    token = await signIn(base, demoTeacher);
    accepted = await expectJson<AcceptedUpload>(await uploadPdf(base, token, bytes, "?title=TraceMonkey"), 202);
  });

  it("accepts the upload with 202 and links to follow the parse", () => {
    expect(accepted.document).toMatchObject({ title: "TraceMonkey", status: "uploaded" });
    expect(accepted.job).toMatchObject({ kind: "parse-document", status: "queued" });
    expect(accepted.links).toEqual({
      document: `/v1/documents/${accepted.document.id}`,
      status: `/v1/jobs/${accepted.job.id}`,
      progress: `/v1/jobs/${accepted.job.id}/events`,
    });
  });

  it("follows the parse job and then the course job to 100 %, by polling and over SSE, with progress never going down", async () => {
    for (const kind of ["parse-document", "generate-course"]) {
      const jobId = kind === "parse-document" ? accepted.job.id : String(parseJob.result?.courseJobId);
      const { before, polled, streamed } = await followBothWays(token, jobId);

      expect(polled.job).toMatchObject({ id: jobId, kind, status: "completed", progress: 100 });
      expect(nonDecreasing(polled.progress)).toBe(true);

      expect(streamed.contentType).toMatch(/^text\/event-stream/);
      const names = streamed.events.map((e) => e.event);
      expect(names.at(-1)).toBe("end");
      expect(names.slice(0, -1).every((n) => n === "progress")).toBe(true);
      expect(JSON.parse(streamed.events.at(-1)!.data)).toMatchObject({ status: "completed" });
      // The stream opens with the state the job was in (or a later one), never an older one.
      const first = streamed.jobs[0]!;
      expect(first.id).toBe(jobId);
      expect(first.progress).toBeGreaterThanOrEqual(before.progress);
      expect(stepOf(first.status)).toBeGreaterThanOrEqual(stepOf(before.status));
      expect(nonDecreasing(streamed.jobs.map((j) => stepOf(j.status)))).toBe(true);
      const progress = streamed.jobs.map((j) => j.progress);
      expect(nonDecreasing(progress)).toBe(true);
      expect(streamed.jobs.at(-1)).toMatchObject({ status: "completed", progress: 100 });
      // The stream and the poll end on the same job.
      expect(streamed.jobs.at(-1)).toEqual(polled.job);

      if (kind === "parse-document") parseJob = polled.job;
      else courseJob = polled.job;
    }
    expect(parseJob.result).toMatchObject({ documentId: accepted.document.id, courseJobId: courseJob.id });
    expect(courseJob.result).toMatchObject({ provider: "extractive", tokens: 0 });
  }, 240_000);

  it("streams a finished job as exactly its current state, then the end", async () => {
    const current = await getJson<JobView>(base, `/v1/jobs/${parseJob.id}`, token);
    const { events, jobs } = await streamJob(base, token, parseJob.id);
    expect(events.map((e) => e.event)).toEqual(["progress", "end"]);
    expect(jobs[0]).toEqual(current);
  });

  it("publishes a course whose lessons quote the paper and whose questions have their answer among the choices and a source passage from the paper", async () => {
    const courseId = String(courseJob.result?.courseId);
    course = await getJson<CourseView>(base, `/v1/courses/${courseId}`, token);
    expect(course.status).toBe("PUBLISHED");
    const lessons = course.modules.flatMap((m) => m.lessons);
    expect(lessons.length).toBeGreaterThan(1);
    expect(lessons.every((l) => l.ready)).toBe(true);

    const bodies: string[] = [];
    for (const summary of lessons) {
      const response = await fetch(`${base}/v1/courses/${courseId}/lessons/${summary.id}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      const lesson = await expectJson<LessonView>(response);
      firstReads.set(summary.id, { etag: response.headers.get("ETag")!, body: lesson });
      expect(lesson.bodyMd.length).toBeGreaterThan(200);
      expect(lesson.sources.length).toBeGreaterThan(0);
      // At least one sentence of the paper, twelve words or more, word for word.
      expect(longestSharedRun(lesson.bodyMd, paper), lesson.title).toBeGreaterThanOrEqual(12);
      bodies.push(lesson.bodyMd);
    }
    const all = bodies.join("\n");
    expect(all).toMatch(/TraceMonkey/);
    expect(all).toMatch(/\btrac(e|es|ing)\b/i);

    const key = await getJson<AnswerKey>(base, `/v1/courses/${courseId}/answer-key`, token);
    expect(key.length).toBe(course.modules.filter((m) => m.quiz).length);
    const questions = key.flatMap((q) => q.questions);
    expect(questions.length).toBeGreaterThan(0);
    expect(questions.length).toBe(course.modules.reduce((n, m) => n + (m.quiz?.questionCount ?? 0), 0));
    for (const q of questions) {
      expect(q.choices.length, q.prompt).toBeGreaterThanOrEqual(2);
      expect(Number.isInteger(q.answer) && (q.answer as number) >= 0 && (q.answer as number) < q.choices.length, q.prompt).toBe(true);
      expect(new Set(q.choices.map((c) => c.trim().toLowerCase())).size, q.prompt).toBe(q.choices.length);
      // The passage that proves the answer is the paper's own words.
      const passage = q.sourcePassage ?? "";
      expect(longestSharedRun(passage, paper), passage).toBeGreaterThanOrEqual(Math.min(8, passage.split(/\s+/).length - 2));
      expect(unknownWords(passage, paper), passage).toEqual([]);
    }
  });

  it("serves a lesson's second read from the cache (X-Cache: HIT, same ETag) and answers If-None-Match with 304", async () => {
    const lessonId = course.modules[0]!.lessons[0]!.id;
    const first = firstReads.get(lessonId)!;
    expect(first.etag).toMatch(/^(W\/)?".+"$/);
    const url = `${base}/v1/courses/${course.id}/lessons/${lessonId}`;
    const headers = { Authorization: `Bearer ${token}` };

    // The first read fills the cache after its response is sent (waitUntil); a read racing that write may still miss.
    let second = await fetch(url, { headers });
    for (let i = 0; i < 20 && second.headers.get("X-Cache") !== "HIT"; i++) {
      await second.arrayBuffer();
      await new Promise((r) => setTimeout(r, 100));
      second = await fetch(url, { headers });
    }
    expect(second.status).toBe(200);
    expect(second.headers.get("X-Cache")).toBe("HIT");
    expect(second.headers.get("ETag")).toBe(first.etag);
    expect(await second.json()).toEqual(first.body);

    const revalidated = await fetch(url, { headers: { ...headers, "If-None-Match": first.etag } });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get("ETag")).toBe(first.etag);
    expect(await revalidated.text()).toBe("");
  });
});
