/**
 * A failed job run again finishes what it started, for every kind of job: the
 * model endpoint goes down (every call a 500) or the queue gives up on the
 * message, the job fails, someone retries it (its owner, an admin, a platform
 * operator), and once it has run the job is completed and what it makes is
 * finished as its users see it through the API: a course published with every
 * lesson ready, a document parsed, an export downloadable, questions in the
 * bank, a lesson's new version, a tutor's answer in the room, a report written.
 */
import { SELF } from "cloudflare:test";
import { jobs } from "@studyhall/db";
import { and, desc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, call, json, newMember } from "../../../test/helpers/api.ts";
import { platformOperator } from "../../../test/helpers/platform.ts";
import { fakeModel } from "./fake-llm.ts";
import { corpusPdf, db, deliver, runToEnd, teacherWithPaper } from "./run-jobs.ts";
import { connect, converse, openSession, seedPhotosynthesisCourse } from "./session-fixtures.ts";

let admin: Actor;
let teacher: Actor;
let documentId: string;
/** A course generated from the paper before any test, published. */
let courseId: string;

/**
 * The jobs worker with a model endpoint that answers `n` calls and fails every later one with a 500; neither
 * the call nor the job is tried again, so the job fails at the first 500.
 */
const failingAfter = (n: number) => fakeModel(`fail-after-${n}`, { LLM_MAX_RETRIES: "0", JOB_MAX_RETRIES: "0" }).env;
const retry = (actor: Actor, jobId: string, as: "owner" | "admin" = "owner") =>
  call(`/v1/${as === "admin" ? "admin/" : ""}jobs/${jobId}/retry`, { token: actor.token, method: "POST" });

async function generateCourse(): Promise<{ courseId: string; jobId: string }> {
  const asked = await json(await call(`/v1/documents/${documentId}/course`, { token: teacher.token, body: { moduleCount: 3 } }));
  return { courseId: asked.courseId, jobId: asked.job.id };
}

const lessonsOf = (course: { modules: { lessons: { id: string; ready: boolean }[] }[] }) => course.modules.flatMap((m) => m.lessons);

beforeAll(async () => {
  ({ admin, teacher, documentId } = await teacherWithPaper());
  const generated = await generateCourse();
  expect((await runToEnd(generated.jobId, 20, { env: fakeModel("ok").env })).job.status).toBe("completed");
  courseId = generated.courseId;
}, 60_000);

describe(".happy: a retried course generation", () => {
  it("that failed after its outline and two lessons resumes and publishes the course with every lesson ready", async () => {
    const { courseId, jobId } = await generateCourse();
    const failed = await runToEnd(jobId, 20, { env: failingAfter(3) });
    expect(failed.job.status).toBe("failed");
    const broken = await json(await call(`/v1/courses/${courseId}`, { token: teacher.token }));
    expect(broken.status).toBe("FAILED");
    expect(lessonsOf(broken).filter((l) => l.ready)).toHaveLength(2);

    const retried = await retry(teacher, jobId);
    expect(retried.status).toBe(202);
    expect((await json(await call(`/v1/courses/${courseId}`, { token: teacher.token }))).status).toBe("GENERATING");
    expect((await runToEnd(jobId, 20, { env: fakeModel("ok").env })).job.status).toBe("completed");

    const course = await json(await call(`/v1/courses/${courseId}`, { token: teacher.token }));
    expect(course.status).toBe("PUBLISHED");
    expect(lessonsOf(course).length).toBeGreaterThan(2);
    expect(lessonsOf(course).every((l) => l.ready)).toBe(true);
    // A student of the organisation sees it, as they see any published course.
    const student = await newMember(admin, "student");
    expect((await call(`/v1/courses/${courseId}`, { token: student.token })).status).toBe(200);
  });
});

describe(".happy: a cancelled course generation", () => {
  it("leaves the course a draft its owner can generate again, not GENERATING for ever", async () => {
    const { courseId, jobId } = await generateCourse();
    expect((await json(await call(`/v1/courses/${courseId}`, { token: teacher.token }))).status).toBe("GENERATING");
    expect((await call(`/v1/jobs/${jobId}/cancel`, { token: teacher.token, method: "POST" })).status).toBe(202);
    expect((await json(await call(`/v1/courses/${courseId}`, { token: teacher.token }))).status).toBe("DRAFT");
  });
});

describe(".happy: a retried parse", () => {
  it("that the queue gave up on goes from failed back to waiting, and ends parsed with its sections", async () => {
    // Other bytes after `%%EOF`: a document of its own, not the paper again.
    const pdf = await corpusPdf("issue925.pdf");
    const bytes = new Uint8Array([...pdf, ...new TextEncoder().encode(`\n%${crypto.randomUUID()}\n`)]);
    const accepted = await json(
      await call("/v1/documents?generate=false", { token: teacher.token, body: bytes, headers: { "Content-Type": "application/pdf" } }),
    );
    await deliver(accepted.job.id, { queue: "studyhall-jobs-dead", attempts: 11 });
    const failed = await json(await call(`/v1/documents/${accepted.document.id}`, { token: teacher.token }));
    expect(failed).toMatchObject({ status: "failed", parseJob: { status: "failed" } });

    expect((await retry(admin, accepted.job.id, "admin")).status).toBe(202);
    expect((await json(await call(`/v1/documents/${accepted.document.id}`, { token: teacher.token }))).status).toBe("uploaded");
    expect((await runToEnd(accepted.job.id)).job.status).toBe("completed");
    const parsed = await json(await call(`/v1/documents/${accepted.document.id}`, { token: teacher.token }));
    expect(parsed).toMatchObject({ status: "parsed", error: null, parseJob: { status: "completed" } });
    expect(parsed.sections.length).toBeGreaterThan(0);
  });
});

describe(".happy: a retried export", () => {
  it("that the queue gave up on, requeued by a platform operator from the dead letters, is downloadable", async () => {
    const asked = await json(await call(`/v1/courses/${courseId}/exports`, { token: teacher.token, body: { format: "markdown" } }));
    await deliver(asked.job.id, { queue: "studyhall-jobs-dead", attempts: 11 });
    expect((await json(await call(`/v1/exports/${asked.export.id}`, { token: teacher.token }))).status).toBe("failed");

    const operator = await platformOperator();
    const requeued = await json(
      await call("/v1/platform/jobs/requeue-dead", { token: operator.token, body: { kind: "export-course", orgId: teacher.orgId } }),
    );
    expect(requeued.jobIds).toContain(asked.job.id);
    expect((await runToEnd(asked.job.id)).job.status).toBe("completed");
    const done = await json(await call(`/v1/exports/${asked.export.id}`, { token: teacher.token }));
    expect(done.status).toBe("completed");
    // A download link is a plain link, fetched with no token.
    const download = await SELF.fetch(done.download.url);
    expect(download.status).toBe(200);
    expect(await download.text()).toContain(`# ${(await json(await call(`/v1/courses/${courseId}`, { token: teacher.token }))).title}`);
  });
});

describe(".happy: retried model work", () => {
  it("a lesson's regeneration that failed writes the lesson's next version once retried", async () => {
    const course = await json(await call(`/v1/courses/${courseId}`, { token: teacher.token }));
    const lesson = lessonsOf(course)[0]!;
    const path = `/v1/courses/${courseId}/lessons/${lesson.id}`;
    const before = await json(await call(path, { token: teacher.token }));
    const job = await json(await call(`${path}/regenerate`, { token: teacher.token, method: "POST" }));
    expect((await runToEnd(job.id, 20, { env: failingAfter(0) })).job.status).toBe("failed");
    expect((await json(await call(path, { token: teacher.token }))).version).toBe(before.version);

    expect((await retry(teacher, job.id)).status).toBe(202);
    expect((await runToEnd(job.id, 20, { env: fakeModel("ok").env })).job.status).toBe("completed");
    expect((await json(await call(path, { token: teacher.token }))).version).toBe(before.version + 1);
  });

  it("practice questions that failed are in the bank once an admin's retry of every failed job has run", async () => {
    const asked = await json(
      await call("/v1/questions/generate", { token: teacher.token, body: { count: 3, difficulty: "easy", documentId } }),
    );
    expect((await runToEnd(asked.id, 20, { env: failingAfter(0) })).job.status).toBe("failed");
    const bulk = await json(await call("/v1/admin/jobs/retry-failed", { token: admin.token, body: { kind: "generate-questions" } }));
    expect(bulk.jobIds).toContain(asked.id);
    const { job } = await runToEnd(asked.id, 20, { env: fakeModel("ok").env });
    expect(job.status).toBe("completed");
    const bank = await json(await call("/v1/questions?limit=50", { token: teacher.token }));
    const ids = new Set(bank.items.map((q: { id: string }) => q.id));
    const written = (job.result as { questionIds: string[] }).questionIds;
    expect(written.length).toBeGreaterThan(0);
    for (const id of written) expect(ids.has(id)).toBe(true);
  });
});

describe(".happy: retried work in a session", () => {
  it("a tutor's answer that failed is posted in the room once retried", async () => {
    const student = await newMember(admin, "student");
    const seeded = await seedPhotosynthesisCourse(teacher);
    const sessionId = await openSession(teacher, { kind: "study-room", courseId: seeded.courseId });
    const socket = await connect(sessionId, student);
    const seq = await socket.say("@tutor What does rubisco do in the Calvin cycle?");
    let jobId: string | undefined;
    for (let i = 0; i < 100 && !jobId; i++) {
      const [row] = await db()
        .select()
        .from(jobs)
        .where(and(eq(jobs.kind, "tutor-answer"), eq(jobs.ownerId, student.id)))
        .orderBy(desc(jobs.createdAt))
        .limit(1);
      if ((row?.payload as { replyToSeq?: number } | undefined)?.replyToSeq === seq) jobId = row!.id;
      else await new Promise((r) => setTimeout(r, 20));
    }
    expect(jobId).toBeDefined();
    expect((await runToEnd(jobId!, 20, { env: failingAfter(0) })).job.status).toBe("failed");

    expect((await retry(student, jobId!)).status).toBe(202);
    const answered = socket.next((f) => f.type === "tutor" && f.replyToSeq === seq);
    expect((await runToEnd(jobId!, 20, { env: fakeModel("ok").env })).job.status).toBe("completed");
    expect((await answered).text).toBeTruthy();
    socket.close();
    const history = await json(await call(`/v1/sessions/${sessionId}/messages?limit=200`, { token: teacher.token }));
    const answers = history.messages.filter((m: { type: string; replyToSeq?: number }) => m.type === "tutor" && m.replyToSeq === seq);
    expect(answers).toHaveLength(1);
  });

  it("a tutoring session's report that failed reads failed, then waiting once retried, and is written", async () => {
    const student = await newMember(admin, "student");
    const seeded = await seedPhotosynthesisCourse(teacher);
    const sessionId = await openSession(teacher, { kind: "tutoring", studentId: student.id, courseId: seeded.courseId });
    await converse(sessionId, { teacher, student }, [
      ["teacher", "What does chlorophyll absorb?"],
      ["student", "Chlorophyll absorbs red and blue light and reflects green."],
    ]);
    const status = async () => json(await call(`/v1/sessions/${sessionId}/report/status`, { token: teacher.token }));
    const job = await json(await call(`/v1/sessions/${sessionId}/report`, { token: teacher.token, method: "POST" }));
    expect((await runToEnd(job.id, 20, { env: failingAfter(0) })).job.status).toBe("failed");
    expect(await status()).toMatchObject({ status: "failed", jobId: job.id });

    expect((await retry(teacher, job.id)).status).toBe(202);
    expect(await status()).toMatchObject({ status: "waiting", jobId: job.id });
    // The fake endpoint does not write reports: the retry runs on the offline provider.
    expect((await runToEnd(job.id)).job.status).toBe("completed");
    expect(await status()).toEqual({ status: "completed", progress: 100, jobId: job.id });
    const report = await call(`/v1/sessions/${sessionId}/report`, { token: teacher.token });
    expect(report.status).toBe(200);
    expect(await json(report)).toMatchObject({ sessionId, jobId: job.id, messageCount: 2 });
  });
});
