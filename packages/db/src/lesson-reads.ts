/**
 * Reading a lesson of a visible course through the KV cache (see
 * `lesson-cache.ts`), recording a student's read as progress, and finding a
 * lesson its course's owner may have written again.
 */
import { assertStartsWork, type KeyTerm, notFound } from "@studyhall/core";
import { and, eq } from "drizzle-orm";
import { editableCourse, type Viewer, visibleCourse } from "./course-access.ts";
import type { Db } from "./index.ts";
import { recordLessonRead } from "./learning-progress.ts";
import { type LessonPrefetch, rememberLessonAccess } from "./lesson-access-cache.ts";
import { type CachedLesson, lessonEtag, readCachedLesson, writeCachedLesson } from "./lesson-cache.ts";
import type { Course } from "./tables.ts";
import { type Lesson, lessons } from "./tables.ts";

/** Where a lesson draws from in its document. */
export interface LessonSource {
  sectionIndex: number;
  pageStart?: number;
  pageEnd?: number;
}

/** A lesson as its readers get it, and as the cache holds it. */
export interface LessonBody {
  id: string;
  courseId: string;
  moduleId: string;
  position: number;
  title: string;
  bodyMd: string;
  keyTerms: KeyTerm[];
  sources: LessonSource[];
  version: number;
  updatedAt: string;
}

export interface LessonReadOptions {
  /** How long a filled cache entry lives. */
  ttlSeconds: number;
  /** Where filling the cache and recording the read finish, off the response path. */
  waitUntil: (promise: Promise<unknown>) => void;
  /** Told whether the cache had the lesson, before anything else happens. */
  onLookup?: (hit: boolean) => void;
  /**
   * What authentication's one KV bulk get found (`prefetchLessonRead`). With a standing decision the read asks
   * D1 nothing; without one, D1 decides and the decision is cached for `decisionTtlSeconds`.
   */
  prefetch?: LessonPrefetch;
  decisionTtlSeconds?: number;
}

/** HIT and MISS say whether KV had the lesson; BYPASS that KV could not be read, so D1 answered. */
export type LessonCacheStatus = "HIT" | "MISS" | "BYPASS";

/**
 * A lesson of a course the viewer sees, from KV or, on a miss, from D1 (cached once written); `bypassed` when KV
 * could not be read and the lesson came from D1 without it.
 * A student's read is recorded; nothing is written unless they are enrolled. `db` gives the request's handle,
 * made on its first call, so a hit whose decision was prefetched makes none.
 * @example const { entry, cache } = await readLesson(() => db, env.LESSONS, me, courseId, lessonId, { ttlSeconds, waitUntil });
 */
export async function readLesson(
  db: () => Db,
  kv: KVNamespace,
  viewer: Viewer & { email: string; name: string },
  courseId: string,
  lessonId: string,
  options: LessonReadOptions,
): Promise<{ entry: CachedLesson & { body: LessonBody }; cache: LessonCacheStatus }> {
  const prefetch = options.prefetch;
  const fetched =
    prefetch && prefetch.key.courseId === courseId && prefetch.key.lessonId === lessonId && prefetch.key.userId === viewer.id
      ? prefetch
      : undefined;
  if (!fetched?.reader) {
    await visibleCourse(db(), viewer, courseId);
    if (fetched?.reachable && options.decisionTtlSeconds)
      options.waitUntil(rememberLessonAccess(kv, fetched, viewer, options.decisionTtlSeconds).catch(() => undefined));
  }
  const { reachable, lesson: cached } = fetched ?? (await lookUpLesson(kv, courseId, lessonId));
  let entry = cached as (CachedLesson & { body: LessonBody }) | null;
  const hit = entry !== null;
  if (reachable) options.onLookup?.(hit);
  if (!entry) {
    const lesson = await db().query.lessons.findFirst({ where: and(eq(lessons.id, lessonId), eq(lessons.courseId, courseId)) });
    if (!lesson) throw notFound("lesson");
    const body: LessonBody = {
      id: lesson.id,
      courseId: lesson.courseId,
      moduleId: lesson.moduleId,
      position: lesson.position,
      title: lesson.title,
      bodyMd: lesson.bodyMd,
      keyTerms: lesson.keyTerms ?? [],
      sources: lesson.sources ?? [],
      version: lesson.version,
      updatedAt: lesson.updatedAt.toISOString(),
    };
    entry = { etag: await lessonEtag(lesson.id, lesson.version, lesson.updatedAt.getTime()), body };
    // A lesson still being written is not cached, so readers see it as soon as it is done.
    if (reachable && lesson.version > 0) options.waitUntil(writeCachedLesson(kv, courseId, lesson.id, entry, options.ttlSeconds));
  }
  // The lesson exists: record a student's read off the response path (nothing is written unless they are enrolled).
  if (viewer.role === "student") {
    options.waitUntil(
      recordLessonRead(db(), viewer.id, courseId, lessonId).catch((error: unknown) =>
        console.error(JSON.stringify({ level: "error", msg: "lesson progress not recorded", error: String(error) })),
      ),
    );
  }
  return { entry, cache: !reachable ? "BYPASS" : hit ? "HIT" : "MISS" };
}

/** The lesson's cache entry alone (a read that did not come through a prefetch); a KV failure is a miss that fills nothing. */
async function lookUpLesson(kv: KVNamespace, courseId: string, lessonId: string) {
  try {
    return { reachable: true, lesson: await readCachedLesson(kv, courseId, lessonId) };
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: "lesson cache unreadable; read from D1", error: String(error) }));
    return { reachable: false, lesson: null };
  }
}

/**
 * A lesson whose course the viewer may change, to be written again: 404 when the course or the lesson is not
 * visible, 403 when the viewer may not change the course or may start no work (an owner made operator).
 * @example const { course, lesson } = await lessonToRegenerate(db, me, courseId, lessonId);
 */
export async function lessonToRegenerate(
  db: Db,
  viewer: Viewer,
  courseId: string,
  lessonId: string,
): Promise<{ course: Course; lesson: Lesson }> {
  const course = await editableCourse(db, viewer, courseId);
  // An owner made operator still owns the course, but starts no work.
  assertStartsWork(viewer);
  const lesson = await db.query.lessons.findFirst({ where: and(eq(lessons.id, lessonId), eq(lessons.courseId, course.id)) });
  if (!lesson) throw notFound("lesson");
  return { course, lesson };
}
