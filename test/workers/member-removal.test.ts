/**
 * Removing a member: everything the account holds (access token, refresh
 * token, password) stops working at once, while what it made stays with the
 * organisation, readable by its students, until an admin hands it to another
 * teacher who can then look after it.
 */

import { documents, practiceQuestions } from "@studyhall/db";
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, newMember, newOrg } from "../helpers/api.ts";
import { db, seedCourse } from "./learning-fixtures.ts";

/** A parsed document row as an upload would leave it, owned by `ownerId`. */
async function seedDocument(orgId: string, ownerId: string, sha256: string): Promise<string> {
  const id = crypto.randomUUID();
  await db()
    .insert(documents)
    .values({
      id,
      orgId,
      ownerId,
      title: `Document ${sha256}`,
      r2Key: `documents/${orgId}/${id}.pdf`,
      sha256,
      bytes: 1024,
      status: "parsed",
    });
  return id;
}

async function schoolWithLeaver() {
  const admin = await newOrg("removal-admin");
  const leaver = await newMember(admin, "teacher", "leaver");
  const successor = await newMember(admin, "teacher", "successor");
  const student = await newMember(admin, "student");
  const course = await seedCourse(leaver);
  const room = await json(await call("/v1/sessions", { token: leaver.token, body: { kind: "study-room", courseId: course.courseId } }));
  return { admin, leaver, successor, student, course, roomId: room.id as string };
}

const memberIds = async (token: string, query = "") =>
  (await json(await call(`/v1/orgs/members${query}`, { token }))).items.map((m: { id: string }) => m.id);

describe("removing a member", () => {
  it("ends the old access token, the refresh token and the password at once", async () => {
    const { admin, leaver } = await schoolWithLeaver();
    expect((await call("/v1/me", { token: leaver.token })).status).toBe(200);

    expect((await call(`/v1/orgs/members/${leaver.id}`, { method: "DELETE", token: admin.token })).status).toBe(204);

    const refused = await expectProblem(await call("/v1/me", { token: leaver.token }), 401, "invalid-token");
    expect(refused.detail).toMatch(/removed/);
    await expectProblem(await call("/v1/courses", { token: leaver.token, body: { title: "Still here?" } }), 401, "invalid-token");
    await expectProblem(
      await call("/v1/auth/refresh", { ip: leaver.ip, body: { refreshToken: leaver.refreshToken } }),
      401,
      "invalid-token",
    );
    const signIn = await expectProblem(
      await call("/v1/auth/login", { ip: leaver.ip, body: { email: leaver.email, password: leaver.password } }),
      403,
      "account-removed",
    );
    expect(signIn.detail).toMatch(/removed/);
    // A wrong password still says only that: removal is not shown to someone who does not know the password.
    await expectProblem(
      await call("/v1/auth/login", { ip: leaver.ip, body: { email: leaver.email, password: "not the password at all" } }),
      401,
      "invalid-credentials",
    );
  });

  it("drops the member from the list; admins may still list removed members, teachers may not", async () => {
    const { admin, leaver, successor } = await schoolWithLeaver();
    await call(`/v1/orgs/members/${leaver.id}`, { method: "DELETE", token: admin.token });
    expect(await memberIds(admin.token)).not.toContain(leaver.id);
    expect(await memberIds(successor.token)).not.toContain(leaver.id);
    const all = await json(await call("/v1/orgs/members?includeRemoved=true", { token: admin.token }));
    const removed = all.items.find((m: { id: string }) => m.id === leaver.id);
    expect(removed.removedAt).toEqual(expect.any(String));
    expect(all.items.find((m: { id: string }) => m.id === admin.id).removedAt).toBeNull();
    await expectProblem(await call("/v1/orgs/members?includeRemoved=true", { token: successor.token }), 403, "forbidden");
  });

  it("only an admin of the same organisation removes, and a removed member cannot be removed or given a role again", async () => {
    const { admin, leaver, successor, student } = await schoolWithLeaver();
    const outsider = await newOrg("removal-outsider");
    await expectProblem(await call(`/v1/orgs/members/${student.id}`, { method: "DELETE", token: successor.token }), 403, "forbidden");
    await expectProblem(await call(`/v1/orgs/members/${student.id}`, { method: "DELETE", token: outsider.token }), 404, "not-found");
    expect((await call("/v1/me", { token: student.token })).status).toBe(200);

    await call(`/v1/orgs/members/${leaver.id}`, { method: "DELETE", token: admin.token });
    await expectProblem(await call(`/v1/orgs/members/${leaver.id}`, { method: "DELETE", token: admin.token }), 404, "not-found");
    await expectProblem(
      await call(`/v1/orgs/members/${leaver.id}`, { method: "PATCH", token: admin.token, body: { role: "admin" } }),
      404,
      "not-found",
    );
    await expectProblem(
      await call("/v1/auth/login", { ip: leaver.ip, body: { email: leaver.email, password: leaver.password } }),
      403,
      "account-removed",
    );
  });

  it("the last admin cannot remove themselves (409); with a second admin they may leave", async () => {
    const admin = await newOrg("lone-admin");
    await expectProblem(await call(`/v1/orgs/members/${admin.id}`, { method: "DELETE", token: admin.token }), 409, "conflict");
    expect((await call("/v1/me", { token: admin.token })).status).toBe(200);
    const second = await newMember(admin, "admin", "second-admin");
    expect((await call(`/v1/orgs/members/${admin.id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
    await expectProblem(await call("/v1/me", { token: admin.token }), 401, "invalid-token");
    await expectProblem(await call(`/v1/orgs/members/${second.id}`, { method: "DELETE", token: second.token }), 409, "conflict");
  });
});

describe("what a removed member owned", () => {
  it("stays readable by students, and once transferred the new teacher looks after it", async () => {
    const { admin, leaver, successor, student, course, roomId } = await schoolWithLeaver();
    await call(`/v1/orgs/members/${leaver.id}`, { method: "DELETE", token: admin.token });

    expect((await call(`/v1/courses/${course.courseId}`, { token: student.token })).status).toBe(200);
    expect((await call(`/v1/courses/${course.courseId}/lessons/${course.lessonIds[0]}`, { token: student.token })).status).toBe(200);
    // Before the transfer, the colleague is just another teacher of the organisation.
    await expectProblem(
      await call(`/v1/courses/${course.courseId}`, { method: "PATCH", token: successor.token, body: { title: "Taken over" } }),
      403,
    );
    await expectProblem(await call(`/v1/sessions/${roomId}/close`, { method: "POST", token: successor.token }), 403);

    const moved = await call(`/v1/orgs/members/${leaver.id}/transfer`, { token: admin.token, body: { toUserId: successor.id } });
    expect(await json(moved)).toEqual({ courses: 1, documents: 0, sessions: 1, questions: 0, exports: 0, documentsKept: 0 });

    const edited = await json(
      await call(`/v1/courses/${course.courseId}`, { method: "PATCH", token: successor.token, body: { title: "Taken over" } }),
    );
    expect(edited).toMatchObject({ title: "Taken over", ownerId: successor.id });
    expect((await call(`/v1/courses/${course.courseId}/answer-key`, { token: successor.token })).status).toBe(200);
    expect((await json(await call(`/v1/sessions/${roomId}/close`, { method: "POST", token: successor.token }))).status).toBe("closed");
    expect((await json(await call(`/v1/courses/${course.courseId}`, { token: student.token }))).title).toBe("Taken over");
  });

  it("moves documents, practice questions and exports too; a file the new owner already has stays behind", async () => {
    const { admin, leaver, successor, course } = await schoolWithLeaver();
    const shared = await seedDocument(admin.orgId, leaver.id, "same-file");
    const onlyTheirs = await seedDocument(admin.orgId, leaver.id, "their-file");
    await seedDocument(admin.orgId, successor.id, "same-file");
    const questionId = crypto.randomUUID();
    await db()
      .insert(practiceQuestions)
      .values({
        id: questionId,
        orgId: admin.orgId,
        ownerId: leaver.id,
        topic: "tracing",
        difficulty: "easy",
        prompt: "Why trace?",
        choices: ["a", "b"],
        answer: 0,
      });
    const exported = await json(await call(`/v1/courses/${course.courseId}/exports`, { token: leaver.token, body: { format: "json" } }));
    await call(`/v1/orgs/members/${leaver.id}`, { method: "DELETE", token: admin.token });

    const moved = await json(
      await call(`/v1/orgs/members/${leaver.id}/transfer`, { token: admin.token, body: { toUserId: successor.id } }),
    );
    expect(moved).toEqual({ courses: 1, documents: 1, sessions: 1, questions: 1, exports: 1, documentsKept: 1 });
    expect((await json(await call(`/v1/documents/${onlyTheirs}`, { token: successor.token }))).ownerId).toBe(successor.id);
    expect((await call(`/v1/exports/${exported.export.id}`, { token: successor.token })).status).toBe(200);
    expect((await call(`/v1/questions/${questionId}`, { method: "DELETE", token: successor.token })).status).toBe(204);
    // The duplicate stays with the organisation, in its admins' hands.
    expect((await json(await call(`/v1/documents/${shared}`, { token: admin.token }))).ownerId).toBe(leaver.id);
  });

  it("goes only to an active teacher or admin of the same organisation, and only an admin moves it", async () => {
    const { admin, leaver, successor, student, course } = await schoolWithLeaver();
    const otherSchool = await newOrg("transfer-elsewhere");
    const transfer = (token: string, from: string, toUserId: string) =>
      call(`/v1/orgs/members/${from}/transfer`, { token, body: { toUserId } });

    await expectProblem(await transfer(successor.token, leaver.id, successor.id), 403, "forbidden");
    for (const target of [student.id, otherSchool.id, leaver.id, crypto.randomUUID()]) {
      const problem = await expectProblem(await transfer(admin.token, leaver.id, target), 400, "validation-failed");
      expect(problem.invalidParams).toEqual([expect.objectContaining({ name: "toUserId" })]);
    }
    await expectProblem(await transfer(otherSchool.token, leaver.id, otherSchool.id), 404, "not-found");
    await call(`/v1/orgs/members/${successor.id}`, { method: "DELETE", token: admin.token });
    await expectProblem(await transfer(admin.token, leaver.id, successor.id), 400, "validation-failed");
    // Nothing moved on the way.
    expect((await json(await call(`/v1/courses/${course.courseId}`, { token: admin.token }))).ownerId).toBe(leaver.id);
  });

  it("an admin may hand a single course to another teacher; a teacher may not, nor to a student", async () => {
    const { admin, leaver, successor, student, course } = await schoolWithLeaver();
    const handOver = (token: string, ownerId: string) =>
      call(`/v1/courses/${course.courseId}`, { method: "PATCH", token, body: { ownerId } });
    await expectProblem(await handOver(leaver.token, successor.id), 403, "forbidden");
    await expectProblem(await handOver(admin.token, student.id), 400, "validation-failed");
    expect((await json(await handOver(admin.token, successor.id))).ownerId).toBe(successor.id);
    // The former owner is now just another teacher: the course is published, so visible, but no longer theirs.
    await expectProblem(await call(`/v1/courses/${course.courseId}/answer-key`, { token: leaver.token }), 403, "forbidden");
    expect((await call(`/v1/courses/${course.courseId}/answer-key`, { token: successor.token })).status).toBe(200);
  });
});
