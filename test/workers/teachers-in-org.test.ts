/** What teachers may do in their organisation: see its members, but not manage them. */
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, newMember, newOrg } from "../helpers/api";

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
    await expectProblem(await call(`/v1/orgs/members/${student.id}`, { method: "PATCH", token: teacher.token, body: { role: "teacher" } }), 403, "forbidden");
    await expectProblem(await call(`/v1/orgs/members/${student.id}`, { method: "DELETE", token: teacher.token }), 403, "forbidden");
    await expectProblem(await call(`/v1/orgs/members/${admin.id}/transfer`, { token: teacher.token, body: { toUserId: teacher.id } }), 403, "forbidden");
  });
});
