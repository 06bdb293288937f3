/**
 * Generations of the facts a cached access decision rests on, kept in KV next
 * to the lessons. A decision (see `lesson-access-cache.ts`) records the
 * generation of its user, its login and its course as they were read *before*
 * D1 was asked; every change that could take the decision away writes a new
 * generation after its D1 write. A decision is used only while all three still
 * match, so a fill that raced a revocation is never used, and the revocation
 * takes effect at the next request (in the location that wrote it; KV carries
 * it to others within about a minute).
 *
 * The stores that make those changes call `forget*Access(db, …)`; the KV
 * namespace comes with the handle (`openDb(d1, { accessCache })`), so no caller
 * can change access and skip the invalidation. A handle opened without one
 * (a test's direct D1 access) has no decisions to invalidate through it.
 */

/** Opaque generation values; null while nothing was ever invalidated. */
export interface AccessGenerations {
  user: string | null;
  login: string | null;
  course: string | null;
}

const handles = new WeakMap<object, KVNamespace>();

/** Attaches the KV namespace holding access decisions to a database handle (see `openDb`). */
export function attachAccessCache(db: object, kv: KVNamespace): void {
  handles.set(db, kv);
}

export const generationKeys = {
  user: (userId: string) => `access-gen:user:${userId}`,
  login: (sessionId: string) => `access-gen:login:${sessionId}`,
  course: (courseId: string) => `access-gen:course:${courseId}`,
};

// No expiry: a generation that lapsed would bring back the one before it, and an old decision with it.
async function bump(db: object, keys: string[]): Promise<void> {
  const kv = handles.get(db);
  if (!kv || !keys.length) return;
  // JSON, as the lesson read fetches them in one bulk get with the JSON entries.
  await Promise.all(keys.map((key) => kv.put(key, JSON.stringify(crypto.randomUUID()))));
}

/**
 * A user's role, organisation, membership or logins changed, or they lost a course (left, uninvited,
 * a draft transferred away): no cached decision of theirs stands.
 * @example await forgetUserAccess(db, memberId) // after the D1 write
 */
export function forgetUserAccess(db: object, ...userIds: string[]): Promise<void> {
  return bump(db, [...new Set(userIds)].map(generationKeys.user));
}

/** A login ended (signed out, or revoked after a refresh token was replayed). */
export function forgetLoginAccess(db: object, sessionId: string): Promise<void> {
  return bump(db, [generationKeys.login(sessionId)]);
}

/** A course's status, visibility or owner changed, or it was deleted. */
export function forgetCourseAccess(db: object, courseId: string): Promise<void> {
  return bump(db, [generationKeys.course(courseId)]);
}
