/** Upload to published course through both workers' real entry points, with the offline (extractive) generator. */
import { env } from "cloudflare:test";
import { documentSections } from "@studyhall/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { call, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { testDb } from "../../../test/helpers/test-db.ts";
import { corpusPdf, jobRow, runToEnd } from "./run-jobs.ts";

async function upload(token: string, bytes: Uint8Array, query = "") {
  return call(`/v1/documents${query}`, { token, body: bytes, headers: { "Content-Type": "application/pdf" } });
}

describe("upload → parse → course", () => {
  it("accepts with 202 and does no work on the request path", async () => {
    const admin = await newOrg();
    const teacher = await newMember(admin, "teacher");
    const response = await upload(teacher.token, await corpusPdf("tracemonkey.pdf"), "?title=TraceMonkey");
    expect(response.status).toBe(202);
    const body = await json(response);
    expect(body.document).toMatchObject({ title: "TraceMonkey", status: "uploaded", pageCount: null });
    expect(body.job).toMatchObject({ kind: "parse-document", status: "queued", progress: 0, attempts: 0 });
    expect(body.links).toEqual({
      document: `/v1/documents/${body.document.id}`,
      status: `/v1/jobs/${body.job.id}`,
      progress: `/v1/jobs/${body.job.id}/events`,
    });
    // The file is stored under a key the server chose; nothing is parsed yet.
    const objects = await env.FILES.list({ prefix: `documents/${teacher.orgId}/${body.document.id}/` });
    expect(objects.objects.map((o) => o.key)).toEqual([`documents/${teacher.orgId}/${body.document.id}/source.pdf`]);
    const doc = await json(await call(`/v1/documents/${body.document.id}`, { token: teacher.token }));
    expect(doc.sections).toEqual([]);
  });

  it("parses tracemonkey.pdf and then generates a published course from it, without a further call", async () => {
    const admin = await newOrg();
    const teacher = await newMember(admin, "teacher");
    const accepted = await json(await upload(teacher.token, await corpusPdf("tracemonkey.pdf")));
    const parsed = await runToEnd(accepted.job.id);
    expect(parsed.job.status).toBe("completed");
    const doc = await json(await call(`/v1/documents/${accepted.document.id}`, { token: teacher.token }));
    expect(doc.status).toBe("parsed");
    expect(doc.pageCount).toBe(14);
    expect(doc.sections.length).toBeGreaterThan(3);
    expect(doc.sections.map((s: { title: string }) => s.title).join(" | ")).toMatch(/Introduction/i);

    const courseJobId = (parsed.job.result as { courseJobId: string }).courseJobId;
    expect(courseJobId).toBeTruthy();
    const generated = await runToEnd(courseJobId);
    expect(generated.job).toMatchObject({ status: "completed", progress: 100 });
    const courseId = (generated.job.result as { courseId: string }).courseId;

    const course = await json(await call(`/v1/courses/${courseId}`, { token: teacher.token }));
    expect(course.status).toBe("PUBLISHED");
    // No title was given: the document and its course take the paper's own.
    expect(doc.title).toMatch(/Trace-based Just-in-Time Type Specialization/);
    expect(course.title).toMatch(/Trace-based Just-in-Time Type Specialization/);
    expect(course.modules.length).toBeGreaterThan(0);
    const lessons = course.modules.flatMap((m: { lessons: { id: string; ready: boolean }[] }) => m.lessons);
    expect(lessons.every((l: { ready: boolean }) => l.ready)).toBe(true);

    // A lesson's body quotes the paper; its questions cite passages of it.
    const lesson = await json(await call(`/v1/courses/${courseId}/lessons/${lessons[0].id}`, { token: teacher.token }));
    const sections = await testDb()
      .select({ text: documentSections.text })
      .from(documentSections)
      .where(eq(documentSections.documentId, accepted.document.id))
      .orderBy(documentSections.position);
    const fullText = sections
      .map((s) => s.text)
      .join(" ")
      .replace(/\s+/g, " ");
    const inPaper = (passage: string) => fullText.includes(passage.replace(/\s+/g, " ").trim().slice(0, 60));
    const points = lesson.bodyMd
      .split("\n")
      .filter((line: string) => /^[-*] /.test(line))
      .map((line: string) => line.replace(/^[-*] /, "").replace(/\*\*/g, ""));
    expect(points.length).toBeGreaterThan(0);
    expect(points.filter(inPaper).length).toBeGreaterThan(0);
    const key = await json(await call(`/v1/courses/${courseId}/answer-key`, { token: teacher.token }));
    const questions = key.flatMap((q: { questions: unknown[] }) => q.questions);
    expect(questions.length).toBeGreaterThan(0);
    const unsourced = (questions as { sourcePassage: string }[])
      .filter((q) => !inPaper(q.sourcePassage))
      .map((q) => q.sourcePassage.slice(0, 80));
    expect(unsourced).toEqual([]);
    for (const q of questions as { choices: string[]; answer: number }[]) expect(q.choices[q.answer]).toBeTruthy();
    expect((await jobRow(courseJobId)).attempts).toBe(1);
  });

  it("does not generate when the upload says not to", async () => {
    const admin = await newOrg();
    const accepted = await json(await upload(admin.token, await corpusPdf("tracemonkey.pdf"), "?generate=false"));
    const parsed = await runToEnd(accepted.job.id);
    expect(parsed.job.result).toMatchObject({ courseJobId: null });
  });

  it("gives back the existing document when the same owner uploads the same file", async () => {
    const admin = await newOrg();
    const bytes = await corpusPdf("tracemonkey.pdf");
    const first = await json(await upload(admin.token, bytes, "?generate=false"));
    const again = await upload(admin.token, bytes, "?generate=false");
    expect(again.status).toBe(200);
    const body = await json(again);
    expect(body.document.id).toBe(first.document.id);
    expect(body.job.id).toBe(first.job.id);
    const objects = await env.FILES.list({ prefix: `documents/${admin.orgId}/` });
    expect(objects.objects).toHaveLength(1);
  });
});
