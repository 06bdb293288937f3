/** Nobody sees or changes another organisation's data; roles bound what members may do. */
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, newMember, newOrg } from "../helpers/api.ts";

async function twoOrgs() {
  const admin = await newOrg("admin-a");
  const teacher = await newMember(admin, "teacher");
  const student = await newMember(admin, "student");
  const otherAdmin = await newOrg("admin-b");
  const otherTeacher = await newMember(otherAdmin, "teacher");
  const otherStudent = await newMember(otherAdmin, "student");
  const draft = await json(await call("/v1/courses", { token: teacher.token, body: { title: "Draft course" } }));
  return { admin, teacher, student, otherAdmin, otherTeacher, otherStudent, draft };
}

describe("courses across organisations and roles", () => {
  it("a student never sees a teacher's draft, and sees it once published", async () => {
    const { teacher, student, draft } = await twoOrgs();
    await expectProblem(await call(`/v1/courses/${draft.id}`, { token: student.token }), 404, "not-found");
    const list = await json(await call("/v1/courses", { token: student.token }));
    expect(list.items.map((c: { id: string }) => c.id)).not.toContain(draft.id);

    const published = await call(`/v1/courses/${draft.id}`, { method: "PATCH", token: teacher.token, body: { status: "PUBLISHED" } });
    expect((await json(published)).status).toBe("PUBLISHED");
    expect((await call(`/v1/courses/${draft.id}`, { token: student.token })).status).toBe(200);
  });

  it("another organisation gets 404 for every read and write, even its admin", async () => {
    const { teacher, draft, otherAdmin, otherTeacher, otherStudent } = await twoOrgs();
    await call(`/v1/courses/${draft.id}`, { method: "PATCH", token: teacher.token, body: { status: "PUBLISHED" } });
    for (const outsider of [otherAdmin, otherTeacher, otherStudent]) {
      await expectProblem(await call(`/v1/courses/${draft.id}`, { token: outsider.token }), 404);
      await expectProblem(await call(`/v1/courses/${draft.id}`, { method: "PATCH", token: outsider.token, body: { title: "Owned" } }), 404);
      await expectProblem(await call(`/v1/courses/${draft.id}`, { method: "DELETE", token: outsider.token }), 404);
      const list = await json(await call("/v1/courses", { token: outsider.token }));
      expect(list.items.map((c: { id: string }) => c.id)).not.toContain(draft.id);
    }
    expect((await json(await call(`/v1/courses/${draft.id}`, { token: teacher.token }))).title).toBe("Draft course");
  });

  it("a student may not create courses, nor edit a published one (403: it is visible)", async () => {
    const { teacher, student, draft } = await twoOrgs();
    await expectProblem(await call("/v1/courses", { token: student.token, body: { title: "Mine" } }), 403, "forbidden");
    await call(`/v1/courses/${draft.id}`, { method: "PATCH", token: teacher.token, body: { status: "PUBLISHED" } });
    await expectProblem(
      await call(`/v1/courses/${draft.id}`, { method: "PATCH", token: student.token, body: { title: "Hacked" } }),
      403,
      "forbidden",
    );
  });

  it("another teacher of the same organisation cannot see a colleague's draft; the admin can and may edit it", async () => {
    const { admin, draft } = await twoOrgs();
    const colleague = await newMember(admin, "teacher", "colleague");
    await expectProblem(await call(`/v1/courses/${draft.id}`, { token: colleague.token }), 404);
    const edited = await call(`/v1/courses/${draft.id}`, { method: "PATCH", token: admin.token, body: { title: "Renamed by admin" } });
    expect((await json(edited)).title).toBe("Renamed by admin");
  });
});

describe("organisation membership", () => {
  it("members and invitations are visible only inside the organisation", async () => {
    const { admin, otherAdmin, student } = await twoOrgs();
    const members = await json(await call("/v1/orgs/members", { token: admin.token }));
    expect(members.items).toHaveLength(3);
    expect(JSON.stringify(members)).not.toMatch(/password/i);
    const others = await json(await call("/v1/orgs/members", { token: otherAdmin.token }));
    expect(others.items.map((m: { id: string }) => m.id)).not.toContain(student.id);
    await expectProblem(await call("/v1/orgs/members", { token: student.token }), 403, "forbidden");
  });

  it("only an admin changes roles, only inside the organisation, and the last admin stays", async () => {
    const { admin, teacher, student, otherAdmin } = await twoOrgs();
    await expectProblem(
      await call(`/v1/orgs/members/${student.id}`, { method: "PATCH", token: teacher.token, body: { role: "teacher" } }),
      403,
    );
    await expectProblem(
      await call(`/v1/orgs/members/${student.id}`, { method: "PATCH", token: otherAdmin.token, body: { role: "admin" } }),
      404,
    );
    await expectProblem(
      await call(`/v1/orgs/members/${admin.id}`, { method: "PATCH", token: admin.token, body: { role: "student" } }),
      409,
    );
    const promoted = await call(`/v1/orgs/members/${student.id}`, { method: "PATCH", token: admin.token, body: { role: "teacher" } });
    expect((await json(promoted)).role).toBe("teacher");
    // The role comes from the account, not the token: the same token now acts as a teacher.
    expect((await call("/v1/courses", { token: student.token, body: { title: "Now I teach" } })).status).toBe(201);
  });

  it("an invitation from another organisation cannot be revoked", async () => {
    const { admin, otherAdmin } = await twoOrgs();
    const invite = await json(await call("/v1/orgs/invitations", { token: admin.token, body: { role: "student" } }));
    await expectProblem(await call(`/v1/orgs/invitations/${invite.id}`, { method: "DELETE", token: otherAdmin.token }), 404);
  });
});
