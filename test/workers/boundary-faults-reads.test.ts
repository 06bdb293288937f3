/**
 * Reads meeting a fault underneath: KV failing on a lesson read, through a
 * wrapped binding (the lesson still comes, from the relational store, marked
 * as such), and a query the store refuses (our bug: a 500, not an outage's
 * 503; the outage itself is store-outage.test.ts), through `failingStore`.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import api from "../../workers/api/src/index.ts";
import { type Actor, BASE, call, expectProblem, newMember, newOrg } from "../helpers/api.ts";
import { failingKv, failingStore } from "../helpers/failing-bindings.ts";
import { withBindings } from "../helpers/with-bindings.ts";
import { seedCourse } from "./learning-fixtures.ts";

afterEach(() => vi.restoreAllMocks());

/** GET `path` as `actor` through the API worker's own fetch, with `workerEnv` as its bindings. */
async function getWith(workerEnv: ApiEnv, actor: Actor, path: string, headers: Record<string, string> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(`${BASE}${path}`, {
    headers: { Authorization: `Bearer ${actor.token}`, "CF-Connecting-IP": actor.ip, ...headers },
  });
  const response = await api.fetch(request, workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

async function lessonOfNewCourse() {
  const teacher = await newMember(await newOrg(), "teacher");
  const course = await seedCourse(teacher, { modules: 1, lessonsPerModule: 1, questionsPerQuiz: 1 });
  return { teacher, path: `/v1/courses/${course.courseId}/lessons/${course.lessonIds[0]}` };
}

describe(".error: KV fails on a lesson read", () => {
  it("the lesson is served from the relational store with the same body and ETag, marked X-Cache: BYPASS; reads after say MISS, then HIT", async () => {
    const { teacher, path } = await lessonOfNewCourse();
    vi.spyOn(console, "error").mockImplementation(() => {});
    const kv = failingKv(env.LESSONS);

    const bypassed = await getWith(withBindings(env, { LESSONS: kv.binding }), teacher, path);
    expect(kv.failures).toBe(1);
    expect(bypassed.status).toBe(200);
    expect(bypassed.headers.get("X-Cache")).toBe("BYPASS");
    const body = await bypassed.json();
    expect(body).toMatchObject({ title: "Lesson 1.1", bodyMd: "# Lesson 1.1\n\nSome **text**." });
    const etag = bypassed.headers.get("ETag");
    // A validator from a bypassed read is as good as any.
    const revalidated = await getWith(withBindings(env, { LESSONS: kv.binding }), teacher, path, { "If-None-Match": etag! });
    expect([revalidated.status, revalidated.headers.get("X-Cache")]).toEqual([304, "BYPASS"]);

    // KV back: a bypassed read did not fill the cache, so the next read misses, and fills it.
    const miss = await call(path, { token: teacher.token, ip: teacher.ip });
    expect(miss.headers.get("X-Cache")).toBe("MISS");
    expect([await miss.json(), miss.headers.get("ETag")]).toEqual([body, etag]);
    await expect.poll(async () => (await call(path, { token: teacher.token, ip: teacher.ip })).headers.get("X-Cache")).toBe("HIT");
    const hit = await call(path, { token: teacher.token, ip: teacher.ip });
    expect([await hit.json(), hit.headers.get("ETag")]).toEqual([body, etag]);
  });
});

describe(".error: the relational store refuses a query under a request", () => {
  it("a query the store refuses is not an outage: a 500, with no retry hint and nothing of the SQL", async () => {
    const { teacher, path } = await lessonOfNewCourse();
    vi.spyOn(console, "error").mockImplementation(() => {});
    const store = failingStore(env, /from "lessons"/i, { refuse: true });

    const response = await getWith(withBindings(env, store.bindings), teacher, path);
    expect(await store.failures()).toBe(1);
    expect(response.headers.get("Retry-After")).toBeNull();
    expect(await response.clone().text()).not.toMatch(/studyhall_refused_column|from "lessons"/);
    await expectProblem(response, 500, "internal");
  });
});
