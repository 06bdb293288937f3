/**
 * A lesson read served from the cache (the lesson and the decision that this login may read the course, both
 * in KV) is refused at the very next request after anything that takes the right away.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, call, expectProblem, json, newMember, newOrg } from "../helpers/api.ts";
import { eventually, seedCourse } from "./learning-fixtures.ts";

let admin: Actor;
let teacher: Actor;

beforeAll(async () => {
  admin = await newOrg("cache-admin");
  teacher = await newMember(admin, "teacher");
});

/** The login (refresh-token family) an access token was issued for. */
function loginOf(actor: Actor): string {
  const payload = JSON.parse(atob(actor.token.split(".")[1]!.replaceAll("-", "+").replaceAll("_", "/"))) as { sid: string };
  return payload.sid;
}

/** Reads a lesson until it is served from the cache with the reader's decision cached too. */
async function readCached(actor: Actor, courseId: string, lessonId: string): Promise<string> {
  const path = `/v1/courses/${courseId}/lessons/${lessonId}`;
  await eventually(
    async () => {
      const response = await call(path, { token: actor.token });
      expect(response.status).toBe(200);
      const cached = await env.LESSONS.get(`lesson-access:${loginOf(actor)}:${courseId}`);
      return response.headers.get("X-Cache") === "HIT" && cached !== null;
    },
    (ready) => ready,
    "the lesson and the decision to be cached",
  );
  const hit = await call(path, { token: actor.token });
  expect(hit.headers.get("X-Cache")).toBe("HIT");
  expect((await json(hit)).id).toBe(lessonId);
  return path;
}

describe("a cached lesson read", () => {
  it("is refused at once for a member removed from the organisation", async () => {
    const student = await newMember(admin, "student");
    const course = await seedCourse(teacher);
    const path = await readCached(student, course.courseId, course.lessonIds[0]!);
    expect((await call(`/v1/orgs/members/${student.id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
    await expectProblem(await call(path, { token: student.token }), 401, "invalid-token");
  });

  it("is refused at once after signing out, and after a replayed refresh token ends the login", async () => {
    const student = await newMember(admin, "student");
    const course = await seedCourse(teacher);
    const path = await readCached(student, course.courseId, course.lessonIds[0]!);
    expect((await call("/v1/auth/logout", { body: { refreshToken: student.refreshToken } })).status).toBe(204);
    await expectProblem(await call(path, { token: student.token }), 401, "invalid-token");

    // A stolen refresh token used after its owner rotated it ends the login the owner's access token belongs to.
    const victim = await newMember(admin, "student");
    await readCached(victim, course.courseId, course.lessonIds[1]!);
    const rotated = await call("/v1/auth/refresh", { ip: victim.ip, body: { refreshToken: victim.refreshToken } });
    expect(rotated.status).toBe(200);
    await expectProblem(await call("/v1/auth/refresh", { ip: victim.ip, body: { refreshToken: victim.refreshToken } }), 401);
    await expectProblem(await call(`/v1/courses/${course.courseId}/lessons/${course.lessonIds[1]}`, { token: victim.token }), 401);
  });

  it("is refused at once when the course is unpublished, made invited-only or deleted", async () => {
    const student = await newMember(admin, "student");
    const unpublished = await seedCourse(teacher);
    const path = await readCached(student, unpublished.courseId, unpublished.lessonIds[0]!);
    const draft = { method: "PATCH", token: teacher.token, body: { status: "DRAFT" } };
    expect((await call(`/v1/courses/${unpublished.courseId}`, draft)).status).toBe(200);
    await expectProblem(await call(path, { token: student.token }), 404, "not-found");

    const narrowed = await seedCourse(teacher);
    const narrowedPath = await readCached(student, narrowed.courseId, narrowed.lessonIds[0]!);
    const invitedOnly = { method: "PATCH", token: teacher.token, body: { visibility: "invited" } };
    expect((await call(`/v1/courses/${narrowed.courseId}`, invitedOnly)).status).toBe(200);
    await expectProblem(await call(narrowedPath, { token: student.token }), 404, "not-found");

    const deleted = await seedCourse(teacher);
    const deletedPath = await readCached(student, deleted.courseId, deleted.lessonIds[0]!);
    expect((await call(`/v1/courses/${deleted.courseId}`, { method: "DELETE", token: teacher.token })).status).toBe(204);
    await expectProblem(await call(deletedPath, { token: student.token }), 404, "not-found");
  });

  it("is refused at once for an uninvited student, and for one who left the only course they could see by enrolment", async () => {
    const student = await newMember(admin, "student");
    const course = await seedCourse(teacher, { visibility: "invited" });
    const invite = await call(`/v1/courses/${course.courseId}/invitations`, { token: teacher.token, body: { userIds: [student.id] } });
    expect(invite.status).toBeLessThan(300);
    const path = await readCached(student, course.courseId, course.lessonIds[0]!);
    const uninvite = await call(`/v1/courses/${course.courseId}/invitations/${student.id}`, { method: "DELETE", token: teacher.token });
    expect(uninvite.status).toBe(204);
    await expectProblem(await call(path, { token: student.token }), 404, "not-found");

    // Enrolled while it was open to the organisation, then it became invited-only: the enrolment alone kept it.
    const kept = await seedCourse(teacher);
    expect((await call(`/v1/courses/${kept.courseId}/enrolment`, { method: "POST", token: student.token })).status).toBe(201);
    const invitedOnly = { method: "PATCH", token: teacher.token, body: { visibility: "invited" } };
    expect((await call(`/v1/courses/${kept.courseId}`, invitedOnly)).status).toBe(200);
    const keptPath = await readCached(student, kept.courseId, kept.lessonIds[0]!);
    expect((await call(`/v1/courses/${kept.courseId}/enrolment`, { method: "DELETE", token: student.token })).status).toBe(204);
    await expectProblem(await call(keptPath, { token: student.token }), 404, "not-found");
  });

  it("of a teacher's own draft is refused at once when they are demoted, and when their courses are handed to another teacher", async () => {
    const demoted = await newMember(admin, "teacher");
    const draft = await seedCourse(demoted, { publish: false });
    const path = await readCached(demoted, draft.courseId, draft.lessonIds[0]!);
    const demotion = { method: "PATCH", token: admin.token, body: { role: "student" } };
    expect((await call(`/v1/orgs/members/${demoted.id}`, demotion)).status).toBe(200);
    await expectProblem(await call(path, { token: demoted.token }), 404, "not-found");

    const leaving = await newMember(admin, "teacher");
    const handedOver = await seedCourse(leaving, { publish: false });
    const handedPath = await readCached(leaving, handedOver.courseId, handedOver.lessonIds[0]!);
    const transfer = await call(`/v1/orgs/members/${leaving.id}/transfer`, { token: admin.token, body: { toUserId: teacher.id } });
    expect(transfer.status).toBe(200);
    await expectProblem(await call(handedPath, { token: leaving.token }), 404, "not-found");
    // The new owner reads it.
    expect((await call(handedPath, { token: teacher.token })).status).toBe(200);
  });

  it("of a path that is not valid percent-encoding is answered as any unknown lesson, never with a server error", async () => {
    const response = await call("/v1/courses/%E0%A4%A/lessons/%ZZ", { token: teacher.token });
    expect(response.status).toBeLessThan(500);
    await expectProblem(response, response.status);
  });
});
