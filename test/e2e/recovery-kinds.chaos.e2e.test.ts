/**
 * Every kind of job in flight when the platform dies finishes once. On one
 * real `wrangler dev` whose model is a local OpenAI-compatible server, the
 * demo teacher has a course generated and a tutoring session held; then, at
 * the same moment, a session report is being written (the model takes its
 * time), practice questions wait at the LLM gate (its window is full), and
 * the course is being exported as PDF, when every process of the platform is
 * killed at once. Started again on the same state, the JobSweeper resends
 * them and each completes: one report with its quotes once, one set of
 * questions, one export file holding each lesson once, and the teacher's
 * ledger charged exactly what the model served. Then a reload of the jobs
 * worker (wrangler dev's, after a configuration change, as after a source
 * edit) while practice questions are being written: they are written once.
 */
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { type RecordedChat, startFakeOpenAi } from "./fake-openai.ts";
import { paperText, wordsOf } from "./paper-text.ts";
import { type Platform, startPlatform } from "./platform.ts";
import { LiveSocket, sessionTicket } from "./session-client.ts";
import {
  type AcceptedUpload,
  corpusPdf,
  demoTeacher,
  expectJson,
  getJson,
  type JobView,
  pollJob,
  postJson,
  signIn,
  untilJob,
  uploadPdf,
} from "./studyhall-client.ts";

const demoStudent = { email: "student1@demo.studyhall.test", password: "demo-student-password" };
const model = await startFakeOpenAi({ keys: ["key-one"], models: ["test-model"] });

/**
 * A short lease and sweep, so a dead consumer's job is recovered within seconds; the lease outlasts the
 * model's reply during the reload below, so no job is resent while it is still waiting on the model.
 */
const vars = {
  JOB_LEASE_SECONDS: "20",
  JOB_SWEEP_INTERVAL_SECONDS: "2",
  RATE_LIMIT_AUTH_PER_MIN: "1000",
  RATE_LIMIT_API_PER_MIN: "10000",
  RATE_LIMIT_JOBS_PER_MIN: "1000",
  LLM_PROVIDER: "openai",
  LLM_BASE_URL: `${model.url}/v1`,
  LLM_MODEL: "test-model",
  LLM_API_KEYS: "key-one",
};
/** The model does not answer the report before the kill, however long the other jobs take to reach their state. */
const UNANSWERED_MS = 600_000;
const WAITING_AT_GATE = /shared LLM rate limit/;

const running = new Set<Platform>();
const states = new Set<string>();
afterAll(async () => {
  for (const platform of running) await platform.stop();
  for (const state of states) rmSync(state, { recursive: true, force: true });
  await model.close();
});

async function start(state?: string): Promise<Platform> {
  const platform = await startPlatform({
    vars,
    label: "recovery-kinds",
    verbose: true,
    keepState: true,
    startTimeoutMs: 300_000,
    ...(state ? { state } : {}),
  });
  running.add(platform);
  states.add(platform.state);
  return platform;
}

/** Waits until the model has been asked something `match` recognises, and returns the request. */
async function modelAsked(match: (chat: RecordedChat) => boolean): Promise<RecordedChat> {
  for (let i = 0; i < 900; i++) {
    const chat = model.chats.find(match);
    if (chat) return chat;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the model was not asked: ${model.chats.map((c) => c.stage).join(", ")}`);
}

/** The replies the model delivered for `stage` since `since`: work a job paid for. */
const delivered = (stage: RecordedChat["stage"], since = 0) => model.chats.filter((c) => c.stage === stage && c.delivered && c.at >= since);
const tokensOf = (chats: RecordedChat[]) => chats.reduce((n, c) => n + (c.usage?.total_tokens ?? 0), 0);

interface CourseView {
  modules: { lessons: { id: string; title: string }[] }[];
}
interface ExportView {
  status: string;
  bytes: number | null;
  pages: number | null;
  download: { url: string } | null;
}
interface ReportView {
  jobId: string;
  topics: { point: string; quotes: { seq: number; text: string }[] }[];
  recommendedLessons: { lessonId: string }[];
}
interface Bank {
  items: { id: string }[];
}

describe("every kind of job survives the platform dying, and a reload, without being done twice", () => {
  it("a report, questions waiting at the LLM gate and a PDF export, all in flight at a SIGKILL, complete once after a restart", {
    timeout: 600_000,
  }, async () => {
    let platform = await start();
    let base = platform.url;
    let teacher = await signIn(base, demoTeacher);
    const student = await signIn(base, demoStudent);
    const studentId = (await getJson<{ user: { id: string } }>(base, "/v1/me", student)).user.id;

    // A course to export and to recommend lessons from, written by the model.
    const accepted = await expectJson<AcceptedUpload>(await uploadPdf(base, teacher, await corpusPdf("tracemonkey.pdf")), 202);
    const parsed = await pollJob(base, teacher, accepted.job.id, { timeoutMs: 180_000, intervalMs: 250 });
    const generated = await pollJob(base, teacher, String(parsed.job.result?.courseJobId), { timeoutMs: 180_000, intervalMs: 250 });
    expect(generated.job.status).toBe("completed");
    const courseId = String(generated.job.result?.courseId);
    const lessons = (await getJson<CourseView>(base, `/v1/courses/${courseId}`, teacher)).modules.flatMap((m) => m.lessons);
    expect(lessons.length).toBeGreaterThan(1);

    // From now on the gate lets one request a minute through: once the course's have left its window, the report's,
    // and work asked for after it waits its turn. Until the kill, a long lease, so the report waiting on the
    // model is not resent to a second consumer while the other jobs reach their state.
    await platform.reload({ vars: { LLM_REQUESTS_PER_MIN: "1", JOB_LEASE_SECONDS: "60" } });

    // A tutoring session with something to report on.
    const session = await postJson<{ id: string }>(
      base,
      "/v1/sessions",
      { kind: "tutoring", studentId, courseId },
      { token: teacher, status: 201 },
    );
    const sockets = await Promise.all([teacher, student].map(async (t) => LiveSocket.open((await sessionTicket(base, t, session.id)).url)));
    const said = [
      "Why does the tracing JIT record a loop only after it has run many times?",
      "Because recording costs time, so only hot loops are worth it.",
      "So a trace tree is the set of paths that one hot loop takes?",
    ];
    for (const [i, text] of said.entries()) sockets[i === 1 ? 0 : 1]!.send({ type: "chat", text });
    await Promise.all(sockets.map((s) => s.until(() => s.chats().length === said.length)));
    await Promise.all(sockets.map((s) => s.close()));

    // (d) The report: the model takes its time, so the job is writing it when the platform dies.
    model.setReplyDelay(UNANSWERED_MS, "report");
    const report = await postJson<JobView>(base, `/v1/sessions/${session.id}/report`, {}, { token: teacher, status: 202 });
    await modelAsked((c) => c.stage === "report");
    expect(await getJson<JobView>(base, `/v1/jobs/${report.id}`, teacher)).toMatchObject({ status: "active", stage: "writing the report" });

    // (e) Practice questions: the gate's window is full, so the job is put back to wait.
    const practice = await postJson<JobView>(
      base,
      "/v1/questions/generate",
      { count: 3, difficulty: "medium", documentId: accepted.document.id },
      { token: teacher, status: 202 },
    );
    const waiting = await untilJob(base, teacher, practice.id, (job) => WAITING_AT_GATE.test(job.stage));

    // (c) The PDF export, asked for alone (its lane waits for a second message before it delivers one, time enough
    // to follow the job) and the platform killed the moment it is being written.
    const exported = await postJson<{ export: { id: string }; job: JobView }>(
      base,
      `/v1/courses/${courseId}/exports`,
      { format: "pdf" },
      { token: teacher, status: 202 },
    );
    const exporting = await untilJob(base, teacher, exported.job.id, (job) => job.status === "active");
    await platform.kill();
    running.delete(platform);
    expect(waiting.status).toBe("queued");
    expect(exporting.progress).toBeLessThan(100);
    // The report's reply never reached the platform: it died while the report was being written.
    expect(delivered("report")).toEqual([]);
    model.setReplyDelay(0, "report");

    // Started again on the same state, with the gate's usual limit: each job is resent and completes.
    const restartedAt = Date.now();
    platform = await start(platform.state);
    base = platform.url;
    teacher = await signIn(base, demoTeacher);
    const finished = await Promise.all(
      [report.id, practice.id, exported.job.id].map((id) => pollJob(base, teacher, id, { timeoutMs: 120_000, intervalMs: 500 })),
    );
    expect(finished.map((f) => [f.job.kind, f.job.status])).toEqual([
      ["session-report", "completed"],
      ["generate-questions", "completed"],
      ["export-course", "completed"],
    ]);
    // The report and the export were each started before the kill and once more after it.
    expect(finished[0]!.job.attempts).toBeGreaterThan(1);
    expect(finished[2]!.job.attempts).toBeGreaterThan(1);

    // One report, written from the one reply the model delivered, each quote once, and charged once.
    const written = await getJson<ReportView>(base, `/v1/sessions/${session.id}/report`, teacher);
    expect(written.jobId).toBe(report.id);
    const quotes = written.topics.flatMap((t) => t.quotes.map((q) => `${q.seq}:${q.text}`));
    expect(quotes.length).toBeGreaterThan(0);
    expect(new Set(quotes).size).toBe(quotes.length);
    expect(written.recommendedLessons.every((l) => lessons.some((lesson) => lesson.id === l.lessonId))).toBe(true);
    expect(delivered("report")).toHaveLength(1);
    expect(finished[0]!.job.result?.tokens).toBe(tokensOf(delivered("report")));

    // One set of questions in the bank, from one delivered reply since the course.
    const questionIds = finished[1]!.job.result?.questionIds as string[];
    expect(questionIds).toHaveLength(3);
    const bank = await getJson<Bank>(base, "/v1/questions?limit=100", teacher);
    expect(bank.items.map((q) => q.id).sort()).toEqual([...questionIds].sort());
    expect(delivered("questions", restartedAt)).toHaveLength(1);

    // One export file, a PDF with every lesson in it once.
    const file = await getJson<ExportView>(base, `/v1/exports/${exported.export.id}`, teacher);
    expect(file).toMatchObject({ status: "completed", download: { url: expect.any(String) } });
    const download = await fetch(file.download!.url);
    expect([download.status, download.headers.get("Content-Type")]).toEqual([200, "application/pdf"]);
    const bytes = new Uint8Array(await download.arrayBuffer());
    expect(bytes.byteLength).toBe(file.bytes);
    const pdf = await paperText(bytes);
    expect(pdf.pageCount).toBe(file.pages);
    // The same PDF as an export nobody interrupted: no lesson, quiz or page twice. And every lesson is in it.
    const fresh = await postJson<{ export: { id: string }; job: JobView }>(
      base,
      `/v1/courses/${courseId}/exports`,
      { format: "pdf" },
      { token: teacher, status: 202 },
    );
    expect((await pollJob(base, teacher, fresh.job.id, { timeoutMs: 120_000, intervalMs: 250 })).job.status).toBe("completed");
    const freshFile = await getJson<ExportView>(base, `/v1/exports/${fresh.export.id}`, teacher);
    const freshPdf = await paperText(new Uint8Array(await (await fetch(freshFile.download!.url)).arrayBuffer()));
    const undated = (words: string) => words.replace(/ exported from studyhall on \d+ \d+ \d+ /, " ");
    expect(undated(pdf.words)).toBe(undated(freshPdf.words));
    expect(file.pages).toBe(freshFile.pages);
    for (const lesson of lessons) {
      const { bodyMd } = await getJson<{ bodyMd: string }>(base, `/v1/courses/${courseId}/lessons/${lesson.id}`, teacher);
      const longest = bodyMd.split("\n").reduce((a, b) => (wordsOf(b).length > wordsOf(a).length ? b : a), "");
      const words = wordsOf(longest);
      expect(pdf.words).toContain(` ${words.slice(Math.floor(words.length / 3), Math.floor(words.length / 3) + 10).join(" ")} `);
    }

    // The ledger holds exactly what the model served and delivered: nothing charged twice, nothing lost.
    const usage = await getJson<{ used: number }>(base, "/v1/me/usage", teacher);
    expect(usage.used).toBe(model.usedTokens());

    // A reload of the jobs worker while practice questions are being written: they are written once.
    model.setReplyDelay(5000, "questions");
    const askedAt = Date.now();
    const again = await postJson<JobView>(
      base,
      "/v1/questions/generate",
      { count: 2, difficulty: "easy", documentId: accepted.document.id },
      { token: teacher, status: 202 },
    );
    await modelAsked((c) => c.stage === "questions" && c.at >= askedAt);
    expect(await getJson<JobView>(base, `/v1/jobs/${again.id}`, teacher)).toMatchObject({ status: "active" });
    await platform.reload();
    model.setReplyDelay(0, "questions");
    const reloaded = await pollJob(base, teacher, again.id, { timeoutMs: 120_000, intervalMs: 500 });
    expect(reloaded.job.status).toBe("completed");
    const moreIds = reloaded.job.result?.questionIds as string[];
    expect(moreIds).toHaveLength(2);
    const grown = await getJson<Bank>(base, "/v1/questions?limit=100", teacher);
    expect(grown.items.map((q) => q.id).sort()).toEqual([...questionIds, ...moreIds].sort());
    expect(delivered("questions", askedAt)).toHaveLength(1);
    expect((await getJson<{ used: number }>(base, "/v1/me/usage", teacher)).used).toBe(model.usedTokens());
  });
});
