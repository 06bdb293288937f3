/** Practice banks: generating questions from a parsed paper, searching, pinning, practising and the week's trending list. */
import { env } from "cloudflare:test";
import { chargeTokens, courses, documentSections, documents, jobs, practiceQuestions, together } from "@studyhall/db";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { PHOTOSYNTHESIS_LESSONS } from "../../../packages/llm/src/fixtures/tutoring-session.ts";
import { type Actor, call, expectProblem, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { db, runToEnd, teacherWithPaper } from "./run-jobs.ts";

let admin: Actor;
let teacher: Actor;
let student: Actor;
let documentId: string;

interface Question {
  id: string;
  topic: string;
  difficulty: string;
  prompt: string;
  choices: string[];
  tags: string[];
  pinned: boolean;
  documentId: string | null;
  sectionIndex: number | null;
  revealed: boolean;
  answer: number | null;
  explanation: string | null;
  sourcePassage: string | null;
}

/** Asks for questions and runs the job to its end; returns the job and the questions it stored. */
async function generate(
  actor: Actor,
  body: Record<string, unknown>,
): Promise<{ job: { id: string; status: string; result: { count: number; questionIds: string[] } | null }; questions: Question[] }> {
  const accepted = await call("/v1/questions/generate", { token: actor.token, body });
  if (accepted.status !== 202) throw new Error(`generate: ${accepted.status} ${await accepted.text()}`);
  const { job } = await runToEnd((await json(accepted)).id);
  const ids = (job.result as { questionIds?: string[] } | null)?.questionIds ?? [];
  const questions = await Promise.all(ids.map(async (id) => json<Question>(await call(`/v1/questions/${id}`, { token: actor.token }))));
  return { job: job as never, questions };
}

beforeAll(async () => {
  ({ admin, teacher, documentId } = await teacherWithPaper());
  student = await newMember(admin, "student");
}, 120_000);

describe("generating a bank", () => {
  let fromTopic: Question[];

  it(".happy: a teacher's questions about a topic in a document are stored with difficulty, topic, passage and section", async () => {
    const { job, questions } = await generate(teacher, { count: 5, difficulty: "medium", topic: "trace trees", documentId });
    expect(job.status).toBe("completed");
    expect(questions.length).toBeGreaterThan(0);
    expect(questions.length).toBeLessThanOrEqual(5);
    for (const q of questions) {
      expect(q).toMatchObject({ difficulty: "medium", topic: "trace trees", documentId, revealed: true });
      expect(q.sectionIndex).toEqual(expect.any(Number));
      expect(q.sourcePassage!.length).toBeGreaterThan(20);
      expect(q.choices[q.answer!]).toBeTruthy();
    }
    fromTopic = questions;
  });

  it(".happy: a single section gives questions from that section only", async () => {
    const sectionIndex = fromTopic[0]!.sectionIndex!;
    const { questions } = await generate(teacher, { count: 3, difficulty: "easy", documentId, sectionIndex });
    expect(questions.length).toBeGreaterThan(0);
    for (const q of questions) expect(q).toMatchObject({ documentId, sectionIndex, difficulty: "easy" });
  });

  it(".happy: a topic alone searches the organisation's parsed documents", async () => {
    const { questions } = await generate(admin, { count: 3, difficulty: "hard", topic: "type-specialized native code" });
    expect(questions.length).toBeGreaterThan(0);
    for (const q of questions) expect(q).toMatchObject({ documentId, topic: "type-specialized native code", difficulty: "hard" });
  });

  it("a redelivered generation job stores nothing twice", async () => {
    const { job } = await generate(teacher, { count: 2, difficulty: "easy", topic: "trace trees", documentId });
    const stored = () => db().select().from(practiceQuestions).where(eq(practiceQuestions.jobId, job.id));
    const before = (await stored()).length;
    await db().update(jobs).set({ status: "queued" }).where(eq(jobs.id, job.id)); // as if its completion had been lost
    await runToEnd(job.id);
    expect((await stored()).length).toBe(before);
  });

  it(".error: a topic or a document is needed, a section needs its document, and the section must exist", async () => {
    await expectProblem(
      await call("/v1/questions/generate", { token: teacher.token, body: { count: 3, difficulty: "easy" } }),
      400,
      "validation-failed",
    );
    await expectProblem(
      await call("/v1/questions/generate", { token: teacher.token, body: { count: 3, difficulty: "easy", topic: "x", sectionIndex: 1 } }),
      400,
    );
    await expectProblem(
      await call("/v1/questions/generate", { token: teacher.token, body: { count: 51, difficulty: "easy", topic: "x" } }),
      400,
    );
    await expectProblem(
      await call("/v1/questions/generate", {
        token: teacher.token,
        body: { count: 3, difficulty: "easy", documentId, sectionIndex: 9999 },
      }),
      400,
    );
  });

  it(".security: students cannot generate; another organisation's document is not found; the quota applies", async () => {
    await expectProblem(
      await call("/v1/questions/generate", { token: student.token, body: { count: 3, difficulty: "easy", topic: "trace" } }),
      403,
    );
    const outsider = await newOrg("outsider");
    await expectProblem(
      await call("/v1/questions/generate", { token: outsider.token, body: { count: 3, difficulty: "easy", documentId } }),
      404,
    );
    const spender = await newMember(admin, "teacher", "spender");
    await seedPhotosynthesisNotes(spender);
    await chargeTokens(db(), { orgId: admin.orgId, userId: spender.id, amount: 10_000_000 });
    await expectProblem(
      await call("/v1/questions/generate", { token: spender.token, body: { count: 3, difficulty: "easy", topic: "trace" } }),
      429,
      "quota-exceeded",
    );
  });

  it("the same Idempotency-Key gives the same job, once", async () => {
    const headers = { "Idempotency-Key": `bank-${crypto.randomUUID()}` };
    const first = await call("/v1/questions/generate", {
      token: teacher.token,
      headers,
      body: { count: 1, difficulty: "easy", topic: "trace trees", documentId },
    });
    const again = await call("/v1/questions/generate", {
      token: teacher.token,
      headers,
      body: { count: 1, difficulty: "easy", topic: "trace trees", documentId },
    });
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect((await json(again)).id).toBe((await json(first)).id);
  });
});

/** A parsed document of `owner`'s, written straight to D1: the photosynthesis notes, one section per lesson. */
async function seedPhotosynthesisNotes(owner: Actor): Promise<string> {
  const id = crypto.randomUUID();
  await together(db(), (q) => [
    q.insert(documents).values({
      id,
      orgId: owner.orgId,
      ownerId: owner.id,
      title: "Photosynthesis notes",
      r2Key: `test/${id}.pdf`,
      sha256: crypto.randomUUID(),
      bytes: 1000,
      pageCount: 8,
      status: "parsed",
    }),
    q.insert(documentSections).values(
      PHOTOSYNTHESIS_LESSONS.map((l, i) => ({
        documentId: id,
        position: i,
        title: l.title,
        level: 1,
        pageStart: 2 * i + 1,
        pageEnd: 2 * i + 2,
        text: l.body,
      })),
    ),
  ]);
  return id;
}

describe("whose documents a topic reaches", () => {
  it(".security: a topic never draws on another teacher's private document; it reaches it for admins, and for teachers once a published course shows it", async () => {
    const owner = await newMember(admin, "teacher", "notes-owner");
    const notes = await seedPhotosynthesisNotes(owner);
    const fromNotes = () =>
      db().select({ id: practiceQuestions.id }).from(practiceQuestions).where(eq(practiceQuestions.documentId, notes));
    const topic = { count: 2, difficulty: "easy", topic: "chlorophyll, thylakoid, rubisco and enzymes" };

    // Another teacher of the same organisation asks about what only the private notes say: nothing is found.
    const accepted = await call("/v1/questions/generate", { token: teacher.token, body: topic });
    expect(accepted.status).toBe(202);
    const { job } = await runToEnd((await json(accepted)).id);
    expect(job.status).toBe("failed");
    expect(job.error).toMatchObject({ type: "/problems/no-matching-passages" });
    expect(await fromNotes()).toEqual([]);
    // A teacher with nothing they may read is told before any job exists.
    const newcomer = await newMember(admin, "teacher", "newcomer");
    await expectProblem(await call("/v1/questions/generate", { token: newcomer.token, body: topic }), 409, "conflict");

    // The owner reads their own notes (and no other teacher's copy of them); an admin reads every teacher's.
    const { questions: owners } = await generate(owner, topic);
    expect(owners.length).toBeGreaterThan(0);
    for (const q of owners) expect(q.documentId).toBe(notes);
    const { questions: admins } = await generate(admin, topic);
    expect(admins.length).toBeGreaterThan(0);
    const titled = await db().select({ id: documents.id, title: documents.title }).from(documents).where(eq(documents.orgId, admin.orgId));
    for (const q of admins) expect(titled.find((d) => d.id === q.documentId)?.title).toBe("Photosynthesis notes");

    // Once a published course is made from the notes, a teacher who sees the course may draw on them.
    await db().insert(courses).values({
      orgId: owner.orgId,
      ownerId: owner.id,
      documentId: notes,
      title: "Photosynthesis",
      status: "PUBLISHED",
      publishedAt: new Date(),
    });
    const { questions } = await generate(newcomer, topic);
    expect(questions.length).toBeGreaterThan(0);
    for (const q of questions) expect(q.documentId).toBe(notes);
  });
});

describe("searching and curating the bank", () => {
  it("words search prompts, topics and tags; filters narrow; pages follow the cursor to the end", async () => {
    const all: Question[] = (await json(await call("/v1/questions?limit=100", { token: teacher.token }))).items;
    expect(all.length).toBeGreaterThan(3);
    const word = all[0]!.prompt.split(/\W+/).find((w) => w.length > 5)!;
    const found: Question[] = (await json(await call(`/v1/questions?q=${encodeURIComponent(word)}`, { token: teacher.token }))).items;
    expect(found.length).toBeGreaterThan(0);
    for (const q of found) expect(`${q.prompt} ${q.topic} ${q.tags.join(" ")}`.toLowerCase()).toContain(word.toLowerCase());
    expect((await json(await call("/v1/questions?q=zzqx%25_nothing", { token: teacher.token }))).items).toEqual([]);
    const hard: Question[] = (await json(await call("/v1/questions?difficulty=hard", { token: teacher.token }))).items;
    expect(hard.length).toBeGreaterThan(0);
    expect(hard.every((q) => q.difficulty === "hard")).toBe(true);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Question[]; nextCursor: string | null } = await json(
        await call(`/v1/questions?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { token: teacher.token }),
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((q) => q.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((q) => q.id));
    await expectProblem(await call("/v1/questions?cursor=bogus", { token: teacher.token }), 400);
  });

  it("teachers pin and tag; the tag and pinned filters find it; students cannot", async () => {
    const [question] = (await json(await call("/v1/questions?limit=1", { token: teacher.token }))).items as Question[];
    await expectProblem(
      await call(`/v1/questions/${question!.id}`, { method: "PATCH", token: student.token, body: { pinned: true } }),
      403,
    );
    const patched = await json<Question>(
      await call(`/v1/questions/${question!.id}`, {
        method: "PATCH",
        token: teacher.token,
        body: { pinned: true, tags: ["Interview", "jit"] },
      }),
    );
    expect(patched).toMatchObject({ pinned: true, tags: ["Interview", "jit"] });
    const tagged: Question[] = (await json(await call("/v1/questions?tag=interview", { token: student.token }))).items;
    expect(tagged.map((q) => q.id)).toEqual([question!.id]);
    const pinned: Question[] = (await json(await call("/v1/questions?pinned=true", { token: student.token }))).items;
    expect(pinned.map((q) => q.id)).toEqual([question!.id]);
    expect((await json(await call("/v1/questions?q=interview", { token: student.token }))).items.map((q: Question) => q.id)).toContain(
      question!.id,
    );
  });

  it("only whoever generated a question, or an admin, deletes it", async () => {
    const [question] = (await json(await call("/v1/questions?limit=1&difficulty=medium", { token: teacher.token }))).items as Question[];
    const otherTeacher = await newMember(admin, "teacher", "other");
    await expectProblem(await call(`/v1/questions/${question!.id}`, { method: "DELETE", token: otherTeacher.token }), 403);
    expect((await call(`/v1/questions/${question!.id}`, { method: "DELETE", token: teacher.token })).status).toBe(204);
    await expectProblem(await call(`/v1/questions/${question!.id}`, { token: teacher.token }), 404);
  });

  it(".security: another organisation sees none of the bank", async () => {
    const [question] = (await json(await call("/v1/questions?limit=1", { token: teacher.token }))).items as Question[];
    const outsider = await newOrg("stranger");
    expect((await json(await call("/v1/questions", { token: outsider.token }))).items).toEqual([]);
    await expectProblem(await call(`/v1/questions/${question!.id}`, { token: outsider.token }), 404);
    await expectProblem(await call(`/v1/questions/${question!.id}/practice`, { token: outsider.token, body: { choice: 0 } }), 404);
    await expectProblem(
      await call(`/v1/questions/${question!.id}`, { method: "PATCH", token: outsider.token, body: { pinned: false } }),
      404,
    );
  });
});

describe("practising", () => {
  it("a student sees no answer until practising; then gets right or wrong with the explanation and passage", async () => {
    const [listed] = (await json(await call("/v1/questions?limit=1&difficulty=easy", { token: student.token }))).items as Question[];
    expect(listed).toMatchObject({ revealed: false, answer: null, explanation: null, sourcePassage: null });
    const key = await json<Question>(await call(`/v1/questions/${listed!.id}`, { token: teacher.token }));
    const wrong = (key.answer! + 1) % key.choices.length;
    const outcome = await json(await call(`/v1/questions/${listed!.id}/practice`, { token: student.token, body: { choice: wrong } }));
    expect(outcome).toEqual({
      questionId: listed!.id,
      choice: wrong,
      correct: false,
      answer: key.answer,
      explanation: key.explanation,
      sourcePassage: key.sourcePassage,
    });
    expect(
      (await json(await call(`/v1/questions/${listed!.id}/practice`, { token: student.token, body: { choice: key.answer } }))).correct,
    ).toBe(true);
    expect(await json(await call(`/v1/questions/${listed!.id}`, { token: student.token }))).toMatchObject({
      revealed: true,
      answer: key.answer,
      sourcePassage: key.sourcePassage,
    });
    await expectProblem(
      await call(`/v1/questions/${listed!.id}/practice`, { token: student.token, body: { choice: key.choices.length } }),
      400,
    );
  });

  it("the week's most practised questions come from KV, without answers, with Cache-Control", async () => {
    // Questions nobody has practised yet (this student is the only one who practises here).
    const unpractised = ((await json(await call("/v1/questions?limit=100", { token: student.token }))).items as Question[]).filter(
      (q) => !q.revealed,
    );
    const [top, second] = await Promise.all(
      unpractised.slice(0, 2).map(async (q) => json<Question>(await call(`/v1/questions/${q.id}`, { token: teacher.token }))),
    );
    for (let i = 0; i < 3; i++) await call(`/v1/questions/${top!.id}/practice`, { token: student.token, body: { choice: top!.answer } });
    await call(`/v1/questions/${second!.id}/practice`, { token: student.token, body: { choice: 0 } });
    await env.LESSONS.delete(`trending:${admin.orgId}`);

    const miss = await call("/v1/questions/trending", { token: student.token });
    expect(miss.headers.get("X-Cache")).toBe("MISS");
    expect(miss.headers.get("Cache-Control")).toMatch(/^private, max-age=\d+$/);
    const trending = await json(miss);
    expect(trending.items[0]).toMatchObject({ id: top!.id, practised: 3, correctRate: 1 });
    expect(trending.items.map((q: Question) => q.id)).toContain(second!.id);

    let cached: string | null = null;
    for (let i = 0; i < 50 && !cached; i++) {
      cached = await env.LESSONS.get(`trending:${admin.orgId}`);
      if (!cached) await new Promise((r) => setTimeout(r, 20));
    }
    expect(cached).not.toBeNull();
    expect(cached).not.toMatch(/"answer"|"explanation"|"sourcePassage"/);
    const hit = await call("/v1/questions/trending", { token: teacher.token });
    expect(hit.headers.get("X-Cache")).toBe("HIT");
    expect(await json(hit)).toEqual(trending);
  });
});
