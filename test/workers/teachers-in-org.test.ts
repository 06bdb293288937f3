/**
 * What teachers may do in their organisation: see its members, and manage
 * student invitations. Teacher and admin invitations are an admin's business,
 * and a teacher is not even shown that they exist.
 */
import { describe, expect, it } from "vitest";
import { type Actor, call, expectProblem, json, newMember, newOrg } from "../helpers/api.ts";

const invite = async (by: Actor, role: string) => {
  const response = await call("/v1/orgs/invitations", { token: by.token, body: { role } });
  expect(response.status).toBe(201);
  return (await json(response)).id as string;
};
const openIds = async (by: Actor) =>
  (await json(await call("/v1/orgs/invitations", { token: by.token }))).items.map((i: { id: string }) => i.id);
const revoke = (by: Actor, id: string) => call(`/v1/orgs/invitations/${id}`, { method: "DELETE", token: by.token });

describe("a teacher and the organisation's invitations", () => {
  it("sees every open student invitation but no teacher or admin invitation", async () => {
    const admin = await newOrg("invites-admin");
    const teacher = await newMember(admin, "teacher");
    const colleague = await newMember(admin, "teacher", "colleague");
    const forTeacher = await invite(admin, "teacher");
    const forAdmin = await invite(admin, "admin");
    const studentByAdmin = await invite(admin, "student");
    const studentByColleague = await invite(colleague, "student");
    const own = await invite(teacher, "student");

    const seen = await openIds(teacher);
    expect(seen).toEqual(expect.arrayContaining([studentByAdmin, studentByColleague, own]));
    expect(seen).not.toContain(forTeacher);
    expect(seen).not.toContain(forAdmin);
    expect(await openIds(admin)).toEqual(expect.arrayContaining([forTeacher, forAdmin, studentByAdmin, studentByColleague, own]));
  });

  it("cannot revoke an admin's teacher invitation (404, as if it did not exist) but can revoke a student invitation", async () => {
    const admin = await newOrg("revoke-admin");
    const teacher = await newMember(admin, "teacher");
    const colleague = await newMember(admin, "teacher", "colleague");
    const forTeacher = await invite(admin, "teacher");
    const studentByColleague = await invite(colleague, "student");

    await expectProblem(await revoke(teacher, forTeacher), 404, "not-found");
    expect(await openIds(admin)).toContain(forTeacher);

    expect((await revoke(teacher, studentByColleague)).status).toBe(204);
    expect(await openIds(colleague)).not.toContain(studentByColleague);
    // An admin still revokes anything of the organisation.
    expect((await revoke(admin, forTeacher)).status).toBe(204);
  });
});

describe("a teacher and the organisation's members", () => {
  it("lists the members of their own organisation only; a student may not", async () => {
    const admin = await newOrg("members-admin");
    const teacher = await newMember(admin, "teacher");
    const student = await newMember(admin, "student");
    const elsewhere = await newMember(await newOrg("members-elsewhere"), "student");

    const response = await call("/v1/orgs/members", { token: teacher.token });
    expect(response.status).toBe(200);
    const members = (await json(response)).items;
    expect(members.map((m: { id: string }) => m.id).sort()).toEqual([admin.id, teacher.id, student.id].sort());
    expect(members.map((m: { id: string }) => m.id)).not.toContain(elsewhere.id);
    expect(JSON.stringify(members)).not.toMatch(/password/i);
    const students = await json(await call("/v1/orgs/members?role=student", { token: teacher.token }));
    expect(students.items.map((m: { id: string }) => m.id)).toEqual([student.id]);
    await expectProblem(await call("/v1/orgs/members", { token: student.token }), 403, "forbidden");
  });

  it("still may not change a role, remove a member or move what they own", async () => {
    const admin = await newOrg("members-admin-2");
    const teacher = await newMember(admin, "teacher");
    const student = await newMember(admin, "student");
    await expectProblem(
      await call(`/v1/orgs/members/${student.id}`, { method: "PATCH", token: teacher.token, body: { role: "teacher" } }),
      403,
      "forbidden",
    );
    await expectProblem(await call(`/v1/orgs/members/${student.id}`, { method: "DELETE", token: teacher.token }), 403, "forbidden");
    await expectProblem(
      await call(`/v1/orgs/members/${admin.id}/transfer`, { token: teacher.token, body: { toUserId: teacher.id } }),
      403,
      "forbidden",
    );
  });
});
