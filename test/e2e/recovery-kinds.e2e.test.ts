/**
 * Every kind of job in flight when the platform dies finishes once. On one
 * real `wrangler dev` whose model is a local OpenAI-compatible server, the
 * demo teacher has a course generated and a tutoring session held. Then the
 * platform is killed twice (SIGKILL to every process at once), each time
 * started again on the same state:
 * - while a session report is being written (the model has not answered);
 * - while that report, resent by the JobSweeper, waits at the LLM gate (its
 *   window still holds the killed attempt's request) and a PDF export of the
 *   course is being written.
 * Locally a lane's consumer runs one batch at a time (Cloudflare runs up to
 * the lane's max_concurrency), so a job hanging on the model holds its lane:
 * that is why the export comes in the second act. After the last restart
 * each completes: one report with its quotes once, one export file holding
 * each lesson once, and the teacher's ledger charged exactly what the model
 * served. Then a reload of the jobs worker (wrangler dev's, after a
 * configuration change, as after a source edit) while practice questions are
 * being written: they are written once.
 */
import { rmSync } from "node:fs";
import { afterAll, describe, expect, inject, it } from "vitest";
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
 * A short lease and sweep, so a dead consumer's job is recovered within seconds (a consumer still running renews
 * its lease, so no job is resent while it waits on the model).
 */
const vars = {
  JOB_LEASE_SECONDS: "10",
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

async function start(state?: string, extra: Record<string, string> = {}): Promise<Platform> {
  const platform = await startPlatform({
    vars: { ...vars, ...extra },
    label: "recovery-kinds",
    store: inject("store"),
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
  it("a report killed while being written, then while waiting at the LLM gate beside a PDF export being written, completes once, as does the export", {
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
    await platform.kill();
    running.delete(platform);
    // The report's reply never reached the platform: it died while the report was being written.
    expect(delivered("report")).toEqual([]);
    model.setReplyDelay(0, "report");

    // (e) Started again with a gate that lets one request a minute through: the report, resent once its dead
    // consumer's lease is over, finds the window holding the killed attempt's request and is put back to wait.
    platform = await start(platform.state, { LLM_REQUESTS_PER_MIN: "1" });
    base = platform.url;
    teacher = await signIn(base, demoTeacher);
    const waiting = await untilJob(base, teacher, report.id, (job) => WAITING_AT_GATE.test(job.stage));
    expect(waiting.status).toBe("queued");

    // (c) The PDF export, its lane free while the report waits, and the platform killed the moment it is written.
    const exported = await postJson<{ export: { id: string }; job: JobView }>(
      base,
      `/v1/courses/${courseId}/exports`,
      { format: "pdf" },
      { token: teacher, status: 202 },
    );
    const exporting = await untilJob(base, teacher, exported.job.id, (job) => job.status === "active", { intervalMs: 25 });
    await platform.kill();
    running.delete(platform);
    expect(exporting.progress).toBeLessThan(100);
    // The report was still waiting at the gate: the model was asked for it once, by the attempt the first kill ended.
    expect(model.chats.filter((c) => c.stage === "report")).toHaveLength(1);

    // Started again on the same state, with the gate's usual limit: each job is resent and completes.
    platform = await start(platform.state);
    base = platform.url;
    teacher = await signIn(base, demoTeacher);
    const finished = await Promise.all(
      [report.id, exported.job.id].map((id) => pollJob(base, teacher, id, { timeoutMs: 120_000, intervalMs: 500 })),
    );
    expect(finished.map((f) => [f.job.kind, f.job.status])).toEqual([
      ["session-report", "completed"],
      ["export-course", "completed"],
    ]);
    // The report was started before the first kill and once more after the second; the export before and after it.
    expect(finished[0]!.job.attempts).toBeGreaterThan(1);
    expect(finished[1]!.job.attempts).toBeGreaterThan(1);

    // One report, written from the one reply the model delivered, each quote once, and charged once.
    const written = await getJson<ReportView>(base, `/v1/sessions/${session.id}/report`, teacher);
    expect(written.jobId).toBe(report.id);
    const quotes = written.topics.flatMap((t) => t.quotes.map((q) => `${q.seq}:${q.text}`));
    expect(quotes.length).toBeGreaterThan(0);
    expect(new Set(quotes).size).toBe(quotes.length);
    expect(written.recommendedLessons.every((l) => lessons.some((lesson) => lesson.id === l.lessonId))).toBe(true);
    expect(delivered("report")).toHaveLength(1);
    expect(finished[0]!.job.result?.tokens).toBe(tokensOf(delivered("report")));

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

    // A reload of the jobs worker while practice questions are being written: they are written once. The reply
    // is held well past the reload, so the worker it was for is gone before it comes, however slow the machine.
    model.setReplyDelay(20_000, "questions");
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
    expect(grown.items.map((q) => q.id).sort()).toEqual([...moreIds].sort());
    expect(delivered("questions", askedAt)).toHaveLength(1);
    expect((await getJson<{ used: number }>(base, "/v1/me/usage", teacher)).used).toBe(model.usedTokens());
  });
});
