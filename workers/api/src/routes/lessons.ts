/**
 * A course's contents: its outline, lessons served from the KV cache (with
 * ETag and Cache-Control, hits and misses counted), the answer key for its
 * owner, and regenerating one lesson.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { assertStartsWork, estimateTokens, keyTermSchema, notFound, renderMarkdown } from "@studyhall/core";
import {
  assertCanEdit,
  type Course,
  courses,
  type Db,
  enqueue,
  laneQueues,
  lessonEtag,
  lessons,
  modules,
  questions,
  quizzes,
  readCachedLesson,
  recordLessonRead,
  reserveFor,
  visibleCourses,
  writeCachedLesson,
} from "@studyhall/db";
import { and, asc, eq, inArray } from "drizzle-orm";
import type { CurrentUser } from "../env.ts";
import { currentUser } from "../middleware/auth.ts";
import { idempotent } from "../middleware/idempotency.ts";
import { rateLimit } from "../middleware/rate-limit.ts";
import { jobSchema, jobView } from "./job-views.ts";
import { bearer, json, newRouter, pick } from "./openapi.ts";
import { iso } from "./views.ts";

export async function visibleCourse(db: Db, user: CurrentUser, id: string): Promise<Course> {
  const [course] = await db
    .select()
    .from(courses)
    .where(and(eq(courses.id, id), visibleCourses(user)));
  if (!course) throw notFound("course");
  return course;
}

export const outlineSchema = z.array(
  z.object({
    id: z.string(),
    position: z.number().int(),
    title: z.string(),
    summary: z.string(),
    lessons: z.array(z.object({ id: z.string(), position: z.number().int(), title: z.string(), ready: z.boolean() })),
    quiz: z.object({ id: z.string(), title: z.string(), questionCount: z.number().int() }).nullable(),
  }),
);

/** Modules in order, each with its lessons and quiz. */
export async function courseOutline(db: Db, courseId: string): Promise<z.infer<typeof outlineSchema>> {
  const [moduleRows, lessonRows, quizRows] = await Promise.all([
    db.select().from(modules).where(eq(modules.courseId, courseId)).orderBy(asc(modules.position)),
    db
      .select({ id: lessons.id, moduleId: lessons.moduleId, position: lessons.position, title: lessons.title, version: lessons.version })
      .from(lessons)
      .where(eq(lessons.courseId, courseId))
      .orderBy(asc(lessons.position)),
    db.select().from(quizzes).where(eq(quizzes.courseId, courseId)),
  ]);
  const counts = new Map<string, number>();
  if (quizRows.length) {
    const rows = await db
      .select({ quizId: questions.quizId })
      .from(questions)
      .where(
        inArray(
          questions.quizId,
          quizRows.map((q) => q.id),
        ),
      );
    for (const r of rows) counts.set(r.quizId, (counts.get(r.quizId) ?? 0) + 1);
  }
  return moduleRows.map((m) => {
    const quiz = quizRows.find((q) => q.moduleId === m.id);
    return {
      id: m.id,
      position: m.position,
      title: m.title,
      summary: m.summary,
      lessons: lessonRows
        .filter((l) => l.moduleId === m.id)
        .map((l) => ({ id: l.id, position: l.position, title: l.title, ready: l.version > 0 })),
      quiz: quiz ? { id: quiz.id, title: quiz.title, questionCount: counts.get(quiz.id) ?? 0 } : null,
    };
  });
}

const lessonSchema = z
  .object({
    id: z.string(),
    courseId: z.string(),
    moduleId: z.string(),
    position: z.number().int(),
    title: z.string(),
    bodyMd: z.string(),
    keyTerms: z.array(keyTermSchema),
    sources: z.array(
      z.object({ sectionIndex: z.number().int(), pageStart: z.number().int().optional(), pageEnd: z.number().int().optional() }),
    ),
    version: z.number().int(),
    updatedAt: z.string(),
  })
  .openapi("Lesson");

const lessonParams = z.object({ id: z.string().min(1).max(64), lessonId: z.string().min(1).max(64) });
/** `?format=html` adds `bodyHtml`: the Markdown rendered with no way to run a script (see @studyhall/core markdown). */
const lessonQuery = z.object({ format: z.enum(["markdown", "html"]).default("markdown") });

function countCache(env: ApiEnv, ctx: { waitUntil(promise: Promise<unknown>): void }, hit: boolean) {
  // Off the response path; a lost count is better than a slower read.
  ctx.waitUntil(
    env.COUNTERS.getByName("global")
      .increment({ [hit ? "lesson_cache_hits" : "lesson_cache_misses"]: 1 })
      .catch(() => undefined),
  );
}

const answerKeySchema = z.array(
  z.object({
    quizId: z.string(),
    title: z.string(),
    moduleId: z.string().nullable(),
    questions: z.array(
      z.object({
        id: z.string(),
        prompt: z.string(),
        choices: z.array(z.string()),
        answer: z.unknown(),
        explanation: z.string(),
        sourcePassage: z.string().nullable(),
      }),
    ),
  }),
);

export const lessonRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/lessons/{lessonId}",
      tags: ["courses"],
      security: bearer,
      summary:
        "A lesson, from the cache (ETag and If-None-Match supported); ?format=html adds bodyHtml; an enrolled student's read is recorded",
      request: { params: lessonParams, query: lessonQuery },
      responses: {
        200: json(lessonSchema.extend({ bodyHtml: z.string().optional() }), "The lesson"),
        304: { description: "Not modified" },
        ...pick(401, 404, 429),
      },
    }),
    async (c) => {
      const db = c.get("db");
      const { id, lessonId } = c.req.valid("param");
      const me = currentUser(c);
      const course = await visibleCourse(db, me, id);
      const headers = { "Cache-Control": "private, max-age=60, must-revalidate", Vary: "Authorization" };
      let cached = await readCachedLesson(c.env.LESSONS, course.id, lessonId);
      const hit = cached !== null;
      countCache(c.env, c.executionCtx, hit);
      if (!cached) {
        const lesson = await db.query.lessons.findFirst({ where: and(eq(lessons.id, lessonId), eq(lessons.courseId, course.id)) });
        if (!lesson) throw notFound("lesson");
        const body = {
          id: lesson.id,
          courseId: lesson.courseId,
          moduleId: lesson.moduleId,
          position: lesson.position,
          title: lesson.title,
          bodyMd: lesson.bodyMd,
          keyTerms: (lesson.keyTerms as z.infer<typeof keyTermSchema>[] | null) ?? [],
          sources: (lesson.sources as z.infer<typeof lessonSchema>["sources"] | null) ?? [],
          version: lesson.version,
          updatedAt: iso(lesson.updatedAt)!,
        };
        cached = { etag: await lessonEtag(lesson.id, lesson.version, lesson.updatedAt.getTime()), body };
        // A lesson still being written is not cached, so readers see it as soon as it is done.
        if (lesson.version > 0)
          c.executionCtx.waitUntil(writeCachedLesson(c.env.LESSONS, course.id, lesson.id, cached, c.get("config").LESSON_CACHE_TTL));
      }
      // The lesson exists: record a student's read off the response path (nothing is written unless they are enrolled).
      if (me.role === "student") {
        c.executionCtx.waitUntil(
          recordLessonRead(db, me.id, course.id, lessonId).catch((error: unknown) =>
            console.error(JSON.stringify({ level: "error", msg: "lesson progress not recorded", error: String(error) })),
          ),
        );
      }
      // The HTML form is another representation, so it has its own validator.
      const html = c.req.valid("query").format === "html";
      const etag = html ? cached.etag.replace(/"$/, '-html"') : cached.etag;
      if (c.req.header("If-None-Match") === etag) return c.body(null, 304, { ETag: etag, "X-Cache": hit ? "HIT" : "MISS", ...headers });
      const body = cached.body as z.infer<typeof lessonSchema>;
      return c.json(html ? { ...body, bodyHtml: renderMarkdown(body.bodyMd) } : body, 200, {
        ETag: etag,
        "X-Cache": hit ? "HIT" : "MISS",
        ...headers,
      });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/answer-key",
      tags: ["courses"],
      security: bearer,
      summary: "Every quiz question with its answer, explanation and source passage (the course's owner or an admin)",
      request: { params: z.object({ id: z.string().min(1).max(64) }) },
      responses: { 200: json(answerKeySchema, "The answer key"), ...pick(401, 403, 404, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const course = await visibleCourse(db, me, c.req.valid("param").id);
      assertCanEdit(me, course);
      const quizRows = await db.select().from(quizzes).where(eq(quizzes.courseId, course.id));
      const questionRows = quizRows.length
        ? await db
            .select()
            .from(questions)
            .where(
              inArray(
                questions.quizId,
                quizRows.map((q) => q.id),
              ),
            )
            .orderBy(asc(questions.position))
        : [];
      return c.json(
        quizRows.map((q) => ({
          quizId: q.id,
          title: q.title,
          moduleId: q.moduleId,
          questions: questionRows
            .filter((x) => x.quizId === q.id)
            .map((x) => ({
              id: x.id,
              prompt: x.prompt,
              choices: (x.choices as string[] | null) ?? [],
              answer: x.answer,
              explanation: x.explanation,
              sourcePassage: x.sourcePassage,
            })),
        })),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/lessons/{lessonId}/regenerate",
      tags: ["courses"],
      security: bearer,
      middleware: [rateLimit("jobs"), idempotent()] as const,
      summary: "Write one lesson again; its cached copy is dropped when the new one is ready",
      request: { params: lessonParams },
      responses: { 202: json(jobSchema, "Regeneration queued"), ...pick(401, 403, 404, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const config = c.get("config");
      const { id, lessonId } = c.req.valid("param");
      const course = await visibleCourse(db, me, id);
      assertCanEdit(me, course);
      // An owner made operator still owns the course, but starts no work.
      assertStartsWork(me);
      const lesson = await db.query.lessons.findFirst({ where: and(eq(lessons.id, lessonId), eq(lessons.courseId, course.id)) });
      if (!lesson) throw notFound("lesson");
      const jobId = crypto.randomUUID();
      const job = await reserveFor(db, config, me, { amount: estimateTokens({ kind: "regenerate-lesson" }), jobId }, () =>
        enqueue(
          db,
          laneQueues(c.env),
          {
            id: jobId,
            orgId: me.orgId,
            ownerId: me.id,
            kind: "regenerate-lesson",
            lane: "high",
            payload: { courseId: course.id, lessonId: lesson.id, baseVersion: lesson.version },
            maxAttempts: config.JOB_MAX_RETRIES + 1,
          },
          { waitUntil: (p) => c.executionCtx.waitUntil(p) },
        ),
      );
      return c.json(jobView(job), 202);
    },
  );
