/** Course exports: a real generated course as PDF, Markdown and JSON, signed download links, access, and a 300-page export. */
import { env, SELF } from "cloudflare:test";
import { courses, jobs, lessons, modules, questions, quizzes, together } from "@studyhall/db";
import { pageCount, parsePdf } from "@studyhall/pdf";
import { eq } from "drizzle-orm";
import { extractText, getDocumentProxy } from "unpdf";
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, BASE, call, expectProblem, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { exportUrlSecret, signDownload } from "../../api/src/export-links.ts";
import { corpusPdf, db, runToEnd } from "./run-jobs.ts";
import { syntheticCourse } from "./synthetic-course.ts";

let admin: Actor;
let teacher: Actor;
let student: Actor;
let courseId: string;
let lessonTitles: string[];

interface ExportView {
  id: string;
  status: string;
  format: string;
  bytes: number | null;
  pages: number | null;
  download: { url: string; expiresAt: string } | null;
}

/** Asks for an export, runs its job, and returns what GET /v1/exports/{id} says then. */
async function exportCourse(actor: Actor, id: string, format: string): Promise<ExportView> {
  const accepted = await call(`/v1/courses/${id}/exports`, { token: actor.token, body: { format } });
  if (accepted.status !== 202) throw new Error(`export: ${accepted.status} ${await accepted.text()}`);
  const body = await json(accepted);
  expect(body.job).toMatchObject({ kind: "export-course", status: "queued" });
  await runToEnd(body.job.id);
  return json(await call(`/v1/exports/${body.export.id}`, { token: actor.token }));
}

/** A download link is a plain link: fetched with no Authorization header. */
const download = (url: string) => SELF.fetch(url);

beforeAll(async () => {
  admin = await newOrg();
  teacher = await newMember(admin, "teacher");
  student = await newMember(admin, "student");
  const accepted = await json(
    await call("/v1/documents", {
      token: teacher.token,
      body: await corpusPdf("tracemonkey.pdf"),
      headers: { "Content-Type": "application/pdf" },
    }),
  );
  const parsed = await runToEnd(accepted.job.id);
  const course = await runToEnd((parsed.job.result as { courseJobId: string }).courseJobId);
  courseId = (course.job.result as { courseId: string }).courseId;
  const outline = await json(await call(`/v1/courses/${courseId}`, { token: teacher.token }));
  lessonTitles = outline.modules.flatMap((m: { lessons: { title: string }[] }) => m.lessons.map((l) => l.title));
}, 120_000);

const squash = (text: string) => text.replace(/\s+/g, " ");

describe("exporting a generated course", () => {
  let pdf: ExportView;

  it(".happy: the PDF opens, and its text holds every lesson title", async () => {
    pdf = await exportCourse(teacher, courseId, "pdf");
    expect(pdf).toMatchObject({ status: "completed", format: "pdf" });
    expect(pdf.pages).toBeGreaterThan(lessonTitles.length / 2);
    const response = await download(pdf.download!.url);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/pdf");
    expect(response.headers.get("Content-Disposition")).toMatch(/^attachment; filename=".+\.pdf"; filename\*=UTF-8''.+\.pdf$/);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.byteLength).toBe(pdf.bytes);
    const parsedPdf = await parsePdf(bytes, { maxPages: 500 });
    if (!parsedPdf.ok) throw new Error(`the export does not parse: ${parsedPdf.detail}`);
    expect(parsedPdf.document.pageCount).toBe(pdf.pages);
    const text = squash(parsedPdf.document.pages.join(" "));
    expect(lessonTitles.length).toBeGreaterThan(1);
    for (const title of lessonTitles) expect(text).toContain(squash(title));
    expect(text).toContain("Answer key");
    // parsePdf drops running footers, so the page numbers are read from the raw text of each page.
    const { text: perPage } = await extractText(await getDocumentProxy(bytes), { mergePages: false });
    expect(perPage).toHaveLength(pdf.pages!);
    for (const [i, page] of perPage.entries()) expect(page).toContain(`Page ${i + 1} of ${pdf.pages}`);
  });

  it(".happy: the Markdown export holds every lesson, its quizzes and the answer key", async () => {
    const view = await exportCourse(teacher, courseId, "markdown");
    const response = await download(view.download!.url);
    expect(response.headers.get("Content-Type")).toBe("text/markdown; charset=utf-8");
    const markdown = await response.text();
    for (const title of lessonTitles) expect(markdown).toContain(`### ${title}`);
    expect(markdown).toMatch(/### Quiz: /);
    expect(markdown).toContain("## Answer key");
  });

  it(".happy: the JSON export holds every lesson with its body, and every question with its answer", async () => {
    const view = await exportCourse(admin, courseId, "json");
    const exported = await (await download(view.download!.url)).json<{
      format: string;
      course: { id: string };
      modules: { lessons: { title: string; bodyMd: string }[]; quizzes: { questions: { answer: unknown }[] }[] }[];
    }>();
    expect(exported).toMatchObject({ format: "studyhall-course", course: { id: courseId } });
    const exportedLessons = exported.modules.flatMap((m) => m.lessons);
    expect(exportedLessons.map((l) => l.title)).toEqual(lessonTitles);
    expect(exportedLessons.every((l) => l.bodyMd.length > 0)).toBe(true);
    const answers = exported.modules.flatMap((m) => m.quizzes.flatMap((q) => q.questions.map((x) => x.answer)));
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((a) => typeof a === "number")).toBe(true);
  });

  it("a redelivered export job writes nothing again", async () => {
    const row = await db().query.courseExports.findFirst({ where: (t, { eq }) => eq(t.id, pdf.id) });
    await db().update(jobs).set({ status: "queued" }).where(eq(jobs.id, row!.jobId));
    await runToEnd(row!.jobId);
    const again = await db().query.courseExports.findFirst({ where: (t, { eq }) => eq(t.id, pdf.id) });
    expect(again).toEqual(row);
  });

  it(".security: an expired, tampered or borrowed link is refused with 403", async () => {
    const url = new URL(pdf.download!.url);
    const key = `exports/${teacher.orgId}/${pdf.id}.pdf`;
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = `${BASE}/v1/exports/${pdf.id}/download?expires=${past}&sig=${await signDownload(exportUrlSecret(env), key, past)}`;
    expect((await expectProblem(await download(expired), 403, "forbidden")).detail).toMatch(/expired/);
    const later = new URL(url);
    later.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 3600));
    await expectProblem(await download(later.toString()), 403, "forbidden");
    const forged = new URL(url);
    const sig = url.searchParams.get("sig")!;
    forged.searchParams.set("sig", `${sig[0] === "A" ? "B" : "A"}${sig.slice(1)}`);
    await expectProblem(await download(forged.toString()), 403, "forbidden");
    await expectProblem(await download(`${BASE}/v1/exports/${pdf.id}/download`), 403, "forbidden");
    // Another export's id with this export's signature.
    const other = await exportCourse(teacher, courseId, "json");
    await expectProblem(await download(url.toString().replace(pdf.id, other.id)), 403, "forbidden");
  });

  it(".security: another organisation gets 404; a student gets 403; exports need the owner or an admin", async () => {
    const outsider = await newOrg("outsider");
    await expectProblem(await call(`/v1/exports/${pdf.id}`, { token: outsider.token }), 404);
    await expectProblem(await call(`/v1/courses/${courseId}/exports`, { token: outsider.token, body: { format: "pdf" } }), 404);
    await expectProblem(await call(`/v1/exports/${pdf.id}`, { token: student.token }), 403);
    await expectProblem(await call(`/v1/courses/${courseId}/exports`, { token: student.token, body: { format: "pdf" } }), 403);
    await expectProblem(await call(`/v1/courses/${courseId}/exports`, { token: teacher.token, body: { format: "docx" } }), 400);
    expect((await call(`/v1/exports/${pdf.id}`, { token: admin.token })).status).toBe(200);
  });
});

/** Seeds a synthetic course of about 300 pages straight into D1, as generation would have left it. */
async function seedLongCourse(owner: Actor): Promise<string> {
  const course = syntheticCourse();
  const id = crypto.randomUUID();
  const d = db();
  await d
    .insert(courses)
    .values({ id, orgId: owner.orgId, ownerId: owner.id, title: course.title, description: course.description, status: "PUBLISHED" });
  for (const [m, module] of course.modules.entries()) {
    const moduleId = crypto.randomUUID();
    const quizId = crypto.randomUUID();
    await together(d, (tx) => [
      tx.insert(modules).values({ id: moduleId, courseId: id, position: m, title: module.title, summary: module.summary }),
      ...module.lessons.map((l, i) =>
        tx
          .insert(lessons)
          .values({ courseId: id, moduleId, position: i, title: l.title, bodyMd: l.bodyMd, keyTerms: l.keyTerms, version: 1 }),
      ),
      tx.insert(quizzes).values({ id: quizId, courseId: id, moduleId, title: module.quiz.title }),
      ...module.quiz.questions.map((q, i) =>
        tx.insert(questions).values({
          quizId,
          position: i,
          kind: "single-choice",
          prompt: q.prompt,
          choices: q.choices,
          answer: q.answer,
          explanation: q.explanation,
          sourcePassage: q.sourcePassage,
        }),
      ),
    ]);
  }
  return id;
}

describe("a long course", () => {
  it("a 300-page PDF export succeeds", { timeout: 180_000 }, async () => {
    const longCourseId = await seedLongCourse(teacher);
    const view = await exportCourse(teacher, longCourseId, "pdf");
    expect(view.status).toBe("completed");
    expect(view.pages).toBeGreaterThanOrEqual(300);
    const bytes = new Uint8Array(await (await download(view.download!.url)).arrayBuffer());
    expect(await pageCount(bytes)).toEqual({ ok: true, pages: view.pages });
  });
});
