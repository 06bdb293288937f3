/**
 * A cached lesson read in one KV call: the lesson's entry, the cached decision
 * that this login may read this course, and the three generations that
 * decision rests on (`access-cache.ts`), fetched together with one bulk get.
 * A decision is stored only when D1 allowed the read, keyed by login and
 * course, and is used only while its user, login and course generations are
 * the ones it was filled under. It lives at most as long as an access token,
 * which also bounds how long a login that simply expired keeps reading.
 */
import type { Role } from "@studyhall/core";
import { type AccessGenerations, generationKeys } from "./access-cache.ts";
import type { CachedLesson } from "./lesson-cache.ts";
import { lessonCacheKey } from "./lesson-cache.ts";

/** Who a decision let read the course, as authentication would have read them from D1. */
export interface CachedReader {
  id: string;
  orgId: string;
  role: Role;
  email: string;
  name: string;
}

interface CachedDecision {
  generations: AccessGenerations;
  reader: CachedReader;
}

/** What a lesson read asks the cache for: the token's user, organisation and login, and the lesson. */
export interface LessonReadKey {
  userId: string;
  orgId: string;
  sessionId: string;
  courseId: string;
  lessonId: string;
}

/** What one bulk get found. */
export interface LessonPrefetch {
  key: LessonReadKey;
  /** False when KV could not be read: the read goes to D1 and fills nothing. */
  reachable: boolean;
  lesson: CachedLesson | null;
  /** The reader, when a decision still stands that they may read the course. */
  reader: CachedReader | null;
  /** As read before any D1 query of this request: a fill is tagged with these. */
  generations: AccessGenerations;
}

const decisionKey = (key: LessonReadKey) => `lesson-access:${key.sessionId}:${key.courseId}`;

function same(a: AccessGenerations, b: AccessGenerations): boolean {
  return a.user === b.user && a.login === b.login && a.course === b.course;
}

/**
 * One KV bulk get for a lesson read; a KV failure answers `reachable: false` rather than failing the read.
 * @example const prefetch = await prefetchLessonRead(env.LESSONS, { userId, orgId, sessionId, courseId, lessonId });
 */
export async function prefetchLessonRead(kv: KVNamespace, key: LessonReadKey): Promise<LessonPrefetch> {
  const keys = {
    lesson: lessonCacheKey(key.courseId, key.lessonId),
    decision: decisionKey(key),
    user: generationKeys.user(key.userId),
    login: generationKeys.login(key.sessionId),
    course: generationKeys.course(key.courseId),
  };
  let found: Map<string, unknown>;
  try {
    found = await kv.get<unknown>(Object.values(keys), "json");
  } catch {
    return { key, reachable: false, lesson: null, reader: null, generations: { user: null, login: null, course: null } };
  }
  const text = (name: string) => {
    const value = found.get(name);
    return typeof value === "string" ? value : null;
  };
  const generations: AccessGenerations = { user: text(keys.user), login: text(keys.login), course: text(keys.course) };
  const decision = (found.get(keys.decision) ?? null) as CachedDecision | null;
  const stands =
    decision !== null &&
    same(decision.generations, generations) &&
    decision.reader.id === key.userId &&
    decision.reader.orgId === key.orgId;
  return {
    key,
    reachable: true,
    lesson: (found.get(keys.lesson) ?? null) as CachedLesson | null,
    reader: stands ? decision.reader : null,
    generations,
  };
}

/**
 * Stores that D1 let `reader` read the prefetched course, under the generations the prefetch saw.
 * @example waitUntil(rememberLessonAccess(env.LESSONS, prefetch, me, 600));
 */
export async function rememberLessonAccess(
  kv: KVNamespace,
  prefetch: LessonPrefetch,
  reader: CachedReader,
  ttlSeconds: number,
): Promise<void> {
  if (!prefetch.reachable) return;
  const decision: CachedDecision = {
    generations: prefetch.generations,
    reader: { id: reader.id, orgId: reader.orgId, role: reader.role, email: reader.email, name: reader.name },
  };
  await kv.put(decisionKey(prefetch.key), JSON.stringify(decision), { expirationTtl: ttlSeconds });
}
