/**
 * Spending is bounded before it happens: every route that starts work which
 * may call the LLM reserves its estimate first, and a quota that cannot cover
 * it is a 429 `quota-exceeded` before any job, document or file exists.
 * Written as the attacks it stops: concurrent spends against one quota, and
 * a spent quota tried on every door.
 */
import { env } from "cloudflare:test";
import { estimateTokens, loadConfig } from "@studyhall/core";
import { chargeTokens, documentKeys, documents, documentTextChars, jobs, reserveTokens } from "@studyhall/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type Actor, call, expectProblem, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { corpusPdf, db, jobRow, runToEnd } from "./run-jobs.ts";
import { openSession, seedPhotosynthesisCourse } from "./session-fixtures.ts";

const TEACHER_QUOTA = 1_000_000;

const upload = (actor: Actor, bytes: Uint8Array, query = "") =>
  call(`/v1/documents${query}`, { token: actor.token, body: bytes, headers: { "Content-Type": "application/pdf" } });
const usageOf = async (actor: Actor) =>
  json<{ used: number; reserved: number; remaining: number }>(await call("/v1/me/usage", { token: actor.token }));

/** Spends `amount` of the user's month elsewhere, straight into the ledger. */
async function spendElsewhere(actor: Actor, amount: number): Promise<void> {
  await chargeTokens(db(), { orgId: actor.orgId, userId: actor.id, amount });
}

const jobCount = async (ownerId: string) => db().$count(jobs, eq(jobs.ownerId, ownerId));

describe(".security: concurrent spends against one quota", () => {
  it("two uploads with generation at once, with room for one course: exactly one is accepted; the other is a 429 and leaves no document, file or job", async () => {
    const teacher = await newMember(await newOrg(), "teacher");
    const files = [await corpusPdf("tracemonkey.pdf"), await corpusPdf("issue925.pdf")];
    const estimates = files.map((f) => estimateTokens({ kind: "generate-course", textChars: f.byteLength, moduleCount: 2 }));
    // Room for the larger of the two courses, not for both.
    await spendElsewhere(teacher, TEACHER_QUOTA - Math.max(...estimates));

    const responses = await Promise.all(files.map((f) => upload(teacher, f, "?modules=2")));
    const accepted = responses.filter((r) => r.status === 202);
    const refused = responses.filter((r) => r.status === 429);
    expect(accepted).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const problem = await expectProblem(refused[0]!, 429, "quota-exceeded");
    expect(problem.usage).toMatchObject({ used: TEACHER_QUOTA - Math.max(...estimates), limit: TEACHER_QUOTA });

    const kept = await json(accepted[0]!);
    expect(await db().select({ id: documents.id }).from(documents).where(eq(documents.ownerId, teacher.id))).toEqual([
      { id: kept.document.id },
    ]);
    expect((await env.FILES.list({ prefix: `documents/${teacher.orgId}/` })).objects.map((o) => o.key)).toEqual([
      documentKeys.source(teacher.orgId, kept.document.id),
    ]);
    expect(await jobCount(teacher.id)).toBe(1);
  });

  it("ten reservations at once against room for three: exactly three are held", async () => {
    const teacher = await newMember(await newOrg(), "teacher");
    await spendElsewhere(teacher, TEACHER_QUOTA - 3_500);
    const me = { id: teacher.id, orgId: teacher.orgId, role: "teacher" as const };
    const config = loadConfig(env);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => reserveTokens(db(), config, me, { amount: 1_000, jobId: crypto.randomUUID() })),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(3);
    expect(outcomes.filter((o) => o.status === "rejected").map((o) => (o as PromiseRejectedResult).reason.type)).toEqual(
      Array(7).fill("quota-exceeded"),
    );
    expect(await usageOf(teacher)).toMatchObject({ reserved: 3_000, remaining: 500 });
  });
});

describe(".security: a spent quota is refused at every door, before any job exists", () => {
  it("the default upload, course generation, regenerating a lesson, retrying a failed course, practice generation and a session report are all 429", async () => {
    const admin = await newOrg();
    const teacher = await newMember(admin, "teacher");
    const student = await newMember(admin, "student");
    const paper = await json(await upload(teacher, await corpusPdf("issue925.pdf"), "?generate=false"));
    await runToEnd(paper.job.id);
    // A course job that fails for good (its parsed text is gone), to retry later.
    const doomed = await json(await call(`/v1/documents/${paper.document.id}/course`, { token: teacher.token, body: {} }));
    await env.FILES.delete(documentKeys.parsed(teacher.orgId, paper.document.id));
    expect((await runToEnd(doomed.job.id)).job.status).toBe("failed");
    const seeded = await seedPhotosynthesisCourse(teacher);
    const lessonId = [...seeded.lessonIds.values()][0]!;
    const sessionId = await openSession(teacher, { kind: "tutoring", studentId: student.id, courseId: seeded.courseId });

    await spendElsewhere(teacher, TEACHER_QUOTA);
    const before = await jobCount(teacher.id);
    const filesBefore = (await env.FILES.list({ prefix: `documents/${teacher.orgId}/` })).objects.length;
    const documentsBefore = await db().$count(documents, eq(documents.ownerId, teacher.id));
    const attempts = [
      await upload(teacher, await corpusPdf("tracemonkey.pdf")),
      await call(`/v1/documents/${seeded.documentId}/course`, { token: teacher.token, body: {} }),
      await call(`/v1/courses/${seeded.courseId}/lessons/${lessonId}/regenerate`, { token: teacher.token, method: "POST" }),
      await call(`/v1/jobs/${doomed.job.id}/retry`, { token: teacher.token, method: "POST" }),
      await call(`/v1/admin/jobs/${doomed.job.id}/retry`, { token: admin.token, method: "POST" }),
      await call("/v1/questions/generate", { token: teacher.token, body: { count: 3, difficulty: "easy", documentId: seeded.documentId } }),
      await call(`/v1/sessions/${sessionId}/report`, { token: teacher.token, method: "POST" }),
    ];
    for (const response of attempts) {
      const problem = await expectProblem(response, 429, "quota-exceeded");
      expect(problem.usage).toMatchObject({ used: expect.any(Number), remaining: 0, limit: TEACHER_QUOTA });
      expect(response.headers.get("Retry-After")).toMatch(/^\d+$/);
    }
    expect(await jobCount(teacher.id)).toBe(before);
    expect((await jobRow(doomed.job.id)).status).toBe("failed");
    expect((await env.FILES.list({ prefix: `documents/${teacher.orgId}/` })).objects).toHaveLength(filesBefore);
    expect(await db().$count(documents, eq(documents.ownerId, teacher.id))).toBe(documentsBefore);

    // The admin's bulk retry leaves it failed too, and says why.
    const bulk = await json(await call("/v1/admin/jobs/retry-failed", { token: admin.token, body: { kind: "generate-course" } }));
    expect(bulk).toMatchObject({ count: 0, jobIds: [], quotaExceeded: [doomed.job.id] });
  });
});

describe("reservations as the owner sees them", () => {
  it("an upload's course is reserved at once, sized again from the parsed text, and given back when the course is done", async () => {
    const teacher = await newMember(await newOrg(), "teacher");
    const bytes = await corpusPdf("issue925.pdf");
    const accepted = await json(await upload(teacher, bytes, "?modules=2"));
    expect(await usageOf(teacher)).toMatchObject({
      used: 0,
      reserved: estimateTokens({ kind: "generate-course", textChars: bytes.byteLength, moduleCount: 2 }),
    });

    const parsed = await runToEnd(accepted.job.id);
    const courseJobId = (parsed.job.result as { courseJobId: string }).courseJobId;
    const fromText = estimateTokens({
      kind: "generate-course",
      textChars: await documentTextChars(db(), accepted.document.id),
      moduleCount: 2,
    });
    expect(await usageOf(teacher)).toMatchObject({
      used: 0,
      reserved: Math.min(fromText, estimateTokens({ kind: "generate-course", textChars: bytes.byteLength, moduleCount: 2 })),
    });

    expect((await runToEnd(courseJobId)).job.status).toBe("completed");
    expect(await usageOf(teacher)).toMatchObject({ used: 0, reserved: 0, remaining: TEACHER_QUOTA });
  });

  it("cancelling a queued job gives its reservation back at once; a failed parse gives back the course it would have started", async () => {
    const teacher = await newMember(await newOrg(), "teacher");
    const paper = await json(await upload(teacher, await corpusPdf("issue925.pdf"), "?generate=false"));
    await runToEnd(paper.job.id);
    const started = await json(await call(`/v1/documents/${paper.document.id}/course`, { token: teacher.token, body: {} }));
    expect((await usageOf(teacher)).reserved).toBeGreaterThan(0);
    expect((await call(`/v1/jobs/${started.job.id}/cancel`, { token: teacher.token, method: "POST" })).status).toBe(202);
    expect(await usageOf(teacher)).toMatchObject({ reserved: 0, remaining: TEACHER_QUOTA });

    const locked = await json(await upload(teacher, await corpusPdf("encrypted-attachment.pdf")));
    expect((await usageOf(teacher)).reserved).toBeGreaterThan(0);
    expect((await runToEnd(locked.job.id)).job.status).toBe("failed");
    expect(await usageOf(teacher)).toMatchObject({ reserved: 0, remaining: TEACHER_QUOTA });
  });
});
