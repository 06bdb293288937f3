/**
 * Nothing of a course or a document outlives its deletion: not an export's
 * file, not a cached lesson, not the uploaded PDF or what its parse stored,
 * and not what a job still running for it writes after the delete. Each test
 * lists the bucket and the cache by the prefixes the platform writes under.
 */
import { env, SELF } from "cloudflare:test";
import { documentKeys } from "@studyhall/db";
import { describe, expect, it } from "vitest";
import { type Actor, call, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { withBindings } from "../../../test/helpers/with-bindings.ts";
import { corpusPdf, deliver, jobRow, runToEnd } from "./run-jobs.ts";
import { seedPhotosynthesisCourse } from "./session-fixtures.ts";

const keysUnder = async (prefix: string) => (await env.FILES.list({ prefix })).objects.map((o) => o.key);
const cachedLessons = async (courseId: string) => (await env.LESSONS.list({ prefix: `lesson:${courseId}:` })).keys.map((k) => k.name);

async function untilCached(courseId: string, lessonId: string): Promise<void> {
  for (let i = 0; i < 200 && !(await env.LESSONS.get(`lesson:${courseId}:${lessonId}`)); i++) await new Promise((r) => setTimeout(r, 10));
  expect(await env.LESSONS.get(`lesson:${courseId}:${lessonId}`)).not.toBeNull();
}

/**
 * The jobs worker's bindings with a bucket that runs `before` ahead of the first write under `prefix`: the
 * delete lands while the job is storing what it made.
 */
function deletingDuringWrite(prefix: string, before: () => Promise<void>): JobsEnv {
  let ran = false;
  const files = new Proxy(env.FILES, {
    get(target, property) {
      if (property === "put")
        return async (key: string, ...rest: Parameters<R2Bucket["put"]> extends [string, ...infer R] ? R : never) => {
          if (!ran && key.startsWith(prefix)) {
            ran = true;
            await before();
          }
          return target.put(key, ...rest);
        };
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return withBindings(env as unknown as JobsEnv, { FILES: files });
}

async function uploadParsed(teacher: Actor): Promise<{ documentId: string; jobId: string }> {
  const accepted = await json(
    await call("/v1/documents?generate=false", {
      token: teacher.token,
      body: await corpusPdf("issue925.pdf"),
      headers: { "Content-Type": "application/pdf" },
    }),
  );
  return { documentId: accepted.document.id, jobId: accepted.job.id };
}

describe(".security: deleting a course", () => {
  it("removes its exports' files and its cached lessons, and its export link no longer downloads", async () => {
    const teacher = await newMember(await newOrg(), "teacher");
    const { courseId, lessonIds } = await seedPhotosynthesisCourse(teacher);
    const lessonId = [...lessonIds.values()][0]!;
    expect((await call(`/v1/courses/${courseId}/lessons/${lessonId}`, { token: teacher.token })).status).toBe(200);
    await untilCached(courseId, lessonId);
    const asked = await json(await call(`/v1/courses/${courseId}/exports`, { token: teacher.token, body: { format: "markdown" } }));
    expect((await runToEnd(asked.job.id)).job.status).toBe("completed");
    const done = await json(await call(`/v1/exports/${asked.export.id}`, { token: teacher.token }));
    expect((await SELF.fetch(done.download.url)).status).toBe(200);
    const exportsOfOrg = `exports/${teacher.orgId}/`;
    expect(await keysUnder(exportsOfOrg)).toHaveLength(1);

    expect((await call(`/v1/courses/${courseId}`, { token: teacher.token, method: "DELETE" })).status).toBe(204);
    expect(await keysUnder(exportsOfOrg)).toEqual([]);
    expect(await cachedLessons(courseId)).toEqual([]);
    // The link the teacher kept leads nowhere, and the export is gone from the API.
    const link = await SELF.fetch(done.download.url);
    expect(link.status).toBe(403);
    expect(link.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
    expect((await call(`/v1/exports/${asked.export.id}`, { token: teacher.token })).status).toBe(404);
  });

  it("cancels its export still waiting to run, which then writes nothing", async () => {
    const teacher = await newMember(await newOrg(), "teacher");
    const { courseId } = await seedPhotosynthesisCourse(teacher);
    const asked = await json(await call(`/v1/courses/${courseId}/exports`, { token: teacher.token, body: { format: "json" } }));
    expect((await call(`/v1/courses/${courseId}`, { token: teacher.token, method: "DELETE" })).status).toBe(204);
    const job = await json(await call(`/v1/jobs/${asked.job.id}`, { token: teacher.token }));
    expect(job).toMatchObject({ status: "cancelled", error: { type: "/problems/course-deleted", title: "The course was deleted" } });
    await deliver(asked.job.id);
    expect((await jobRow(asked.job.id)).status).toBe("cancelled");
    expect(await keysUnder(`exports/${teacher.orgId}/`)).toEqual([]);
  });

  it("fails an export that is storing its file as the course is deleted, and the file does not remain", async () => {
    const teacher = await newMember(await newOrg(), "teacher");
    const { courseId } = await seedPhotosynthesisCourse(teacher);
    const asked = await json(await call(`/v1/courses/${courseId}/exports`, { token: teacher.token, body: { format: "pdf" } }));
    const prefix = `exports/${teacher.orgId}/`;
    const deleting = deletingDuringWrite(prefix, async () => {
      expect((await call(`/v1/courses/${courseId}`, { token: teacher.token, method: "DELETE" })).status).toBe(204);
    });
    const { job } = await runToEnd(asked.job.id, 5, { env: deleting });
    expect(job).toMatchObject({ status: "failed", error: { type: "/problems/not-found", title: "The course is gone" } });
    expect(await keysUnder(prefix)).toEqual([]);
  });
});

describe(".security: deleting a document", () => {
  it("removes the uploaded PDF and everything its parse stored", async () => {
    const teacher = await newMember(await newOrg(), "teacher");
    const { documentId, jobId } = await uploadParsed(teacher);
    expect((await runToEnd(jobId)).job.status).toBe("completed");
    const prefix = documentKeys.prefix(teacher.orgId, documentId);
    expect((await keysUnder(prefix)).sort()).toEqual(
      [
        documentKeys.parsed(teacher.orgId, documentId),
        documentKeys.source(teacher.orgId, documentId),
        documentKeys.text(teacher.orgId, documentId),
      ].sort(),
    );

    expect((await call(`/v1/documents/${documentId}`, { token: teacher.token, method: "DELETE" })).status).toBe(204);
    expect(await keysUnder(prefix)).toEqual([]);
    expect((await call(`/v1/documents/${documentId}`, { token: teacher.token })).status).toBe(404);
  });

  it("fails a parse that is storing its result as the document is deleted, and nothing of it remains", async () => {
    const teacher = await newMember(await newOrg(), "teacher");
    const { documentId, jobId } = await uploadParsed(teacher);
    const prefix = documentKeys.prefix(teacher.orgId, documentId);
    const deleting = deletingDuringWrite(prefix, async () => {
      expect((await call(`/v1/documents/${documentId}`, { token: teacher.token, method: "DELETE" })).status).toBe(204);
    });
    const { job } = await runToEnd(jobId, 5, { env: deleting });
    expect(job).toMatchObject({ status: "failed", error: { type: "/problems/not-found", title: "The document is gone" } });
    expect(await keysUnder(prefix)).toEqual([]);
  });
});
