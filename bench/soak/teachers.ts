/**
 * One simulated teacher: uploads the corpus's PDFs one after another (each
 * made unique, so the platform's de-duplication never answers) with course
 * generation on, and follows each job to its end as the studio does, over
 * Server-Sent Events, falling back to polling if the stream breaks; a parse
 * that completes hands over to its course job, which is followed too. The
 * corpus is mostly pdf.js's test files, which the parser refuses or which
 * hold too little prose for a course: those jobs fail, visibly, and are
 * counted by their error type. So that courses are generated too, every
 * other upload is one of the corpus's papers.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type AcceptedUpload,
  CORPUS_DIR,
  corpusPdf,
  expectJson,
  type JobView,
  pollJob,
  streamJob,
  uniquePdf,
  uploadPdf,
} from "../../test/e2e/studyhall-client.ts";
import type { Teacher } from "../teacher-accounts.ts";
import type { Activity } from "./activity.ts";
import type { JobLedger } from "./job-ledger.ts";
import type { Pace } from "./pace.ts";

/** How long one job may be followed before the teacher gives up on it (it then counts as unfinished). */
const FOLLOW_TIMEOUT_MS = 10 * 60_000;

/** The corpus's papers with prose enough for a course (the bench's, and a 352-page book). */
export const TEACHABLE = ["tracemonkey.pdf", "pdfjs_wikipedia.pdf", "freeculture.pdf"];

/** The corpus's PDFs, in a fixed order. */
export function corpusFiles(): string[] {
  return readdirSync(fileURLToPath(CORPUS_DIR.href))
    .filter((name) => name.toLowerCase().endsWith(".pdf"))
    .sort();
}

/** Follows a job to its end: its last state, or null if it was not seen to end. */
async function follow(base: string, token: string, jobId: string): Promise<JobView | null> {
  try {
    const last = (await streamJob(base, token, jobId, { timeoutMs: FOLLOW_TIMEOUT_MS })).jobs.at(-1);
    if (last && ["completed", "failed", "cancelled"].includes(last.status)) return last;
  } catch {
    // The stream broke or timed out; what the job row says is the truth, so ask it.
  }
  return (await pollJob(base, token, jobId, { timeoutMs: FOLLOW_TIMEOUT_MS, intervalMs: 2000 }).catch(() => null))?.job ?? null;
}

export class SimTeacher {
  private readonly base: string;
  private readonly me: Teacher;
  private readonly files: string[];
  private readonly jobs: JobLedger;
  private readonly activity: Activity;
  private readonly pace: Pace;
  private readonly first: number;
  private next: number;
  private turns = 0;

  /** `first` spreads the teachers over the corpus, so they do not all upload the same file at once. */
  constructor(base: string, me: Teacher, files: string[], first: number, jobs: JobLedger, activity: Activity, pace: Pace) {
    this.base = base;
    this.me = me;
    this.files = files;
    this.first = first;
    this.next = first;
    this.jobs = jobs;
    this.activity = activity;
    this.pace = pace;
  }

  /** Uploads every `uploadMs` or so until the pace stops; the job in hand is followed to its end. */
  async run(uploadMs: number): Promise<void> {
    while (this.pace.running) {
      await this.pace.jittered(uploadMs);
      if (!this.pace.running) break;
      const turn = this.turns++;
      const name = turn % 2 === 0 ? TEACHABLE[(this.first + turn / 2) % TEACHABLE.length]! : this.files[this.next++ % this.files.length]!;
      await this.uploadAndFollow(name).catch((error) => this.activity.fail("upload", error));
    }
  }

  private async uploadAndFollow(name: string): Promise<void> {
    const pdf = uniquePdf(await corpusPdf(name), `soak ${this.me.email} ${this.turns}`);
    const response = await uploadPdf(this.base, this.me.token, pdf, `?title=${encodeURIComponent(name)}`);
    const accepted = await expectJson<AcceptedUpload>(response, 202);
    this.activity.uploads++;
    this.jobs.started(accepted.job.id, accepted.job.kind);
    const parse = await follow(this.base, this.me.token, accepted.job.id);
    if (!parse) return;
    this.jobs.finished(parse);
    const courseJobId = parse.status === "completed" ? parse.result?.courseJobId : null;
    if (typeof courseJobId !== "string") return;
    this.jobs.started(courseJobId, "generate-course");
    const course = await follow(this.base, this.me.token, courseJobId);
    if (course) this.jobs.finished(course);
  }
}
