/**
 * Lessons are served from KV. A cached entry is the lesson as a reader gets
 * it, with its ETag; regenerating a lesson deletes the entry so the next read
 * fills it from D1. KV is eventually consistent across locations (up to about
 * a minute), which is acceptable for course content.
 */
import { KV_MIN_TTL_SECONDS } from "@studyhall/core";

export interface CachedLesson {
  etag: string;
  body: unknown;
}

/** Where a lesson's entry lives (read with its access decision by `lesson-access-cache.ts`). */
export const lessonCacheKey = (courseId: string, lessonId: string) => `lesson:${courseId}:${lessonId}`;
const key = lessonCacheKey;

export async function readCachedLesson(kv: KVNamespace, courseId: string, lessonId: string): Promise<CachedLesson | null> {
  return kv.get<CachedLesson>(key(courseId, lessonId), "json");
}

export async function writeCachedLesson(
  kv: KVNamespace,
  courseId: string,
  lessonId: string,
  entry: CachedLesson,
  ttlSeconds: number,
): Promise<void> {
  await kv.put(key(courseId, lessonId), JSON.stringify(entry), { expirationTtl: Math.max(KV_MIN_TTL_SECONDS, ttlSeconds) });
}

export async function invalidateLesson(kv: KVNamespace, courseId: string, lessonId: string): Promise<void> {
  await kv.delete(key(courseId, lessonId));
}

/** Drops the cached copies of a course's lessons (the course is being deleted): each key, as KV has no bulk delete. */
export async function forgetCourseLessons(kv: KVNamespace, courseId: string, lessonIds: string[]): Promise<void> {
  await Promise.all(lessonIds.map((lessonId) => kv.delete(key(courseId, lessonId))));
}

/** A strong ETag from a lesson's id and version. */
export async function lessonEtag(lessonId: string, version: number, updatedAt: number): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${lessonId}:${version}:${updatedAt}`)));
  return `"${Array.from(digest.slice(0, 12), (b) => b.toString(16).padStart(2, "0")).join("")}"`;
}
