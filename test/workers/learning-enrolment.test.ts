/** Publishing to the organisation or to invited students, the catalogue, enrolling and the course's students. */
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, newMember, newOrg } from "../helpers/api.ts";
import { seedCourse } from "./learning-fixtures.ts";

async function school() {
  const admin = await newOrg("learning-admin");
  const teacher = await newMember(admin, "teacher");
  const student = await newMember(admin, "student", "alice");
  const classmate = await newMember(admin, "student", "bob");
  return { admin, teacher, student, classmate };
}

const ids = (body: { items: { id: string }[] }) => body.items.map((c) => c.id);

describe("catalogue and enrolment", () => {
  it("a course published to the organisation is in every student's catalogue; enrolling is idempotent", async () => {
    const { teacher, student } = await school();
    const course = await seedCourse(teacher);
    const catalogue = await json(await call("/v1/catalogue", { token: student.token }));
    const entry = catalogue.items.find((c: { id: string }) => c.id === course.courseId);
    expect(entry).toMatchObject({ visibility: "org", status: "PUBLISHED", enrolled: false });

    const first = await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: student.token });
    expect(first.status).toBe(201);
    const again = await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: student.token });
    expect(again.status).toBe(200);
    expect((await json(again)).enrolledAt).toBe((await json(first)).enrolledAt);

    const after = await json(await call("/v1/catalogue", { token: student.token }));
    expect(after.items.find((c: { id: string }) => c.id === course.courseId)).toMatchObject({ enrolled: true });
    const mine = await json(await call("/v1/me/courses", { token: student.token }));
    expect(ids(mine)).toEqual([course.courseId]);
    expect(mine.items[0].progress).toMatchObject({
      lessonsRead: 0,
      lessonsTotal: 4,
      percent: 0,
      quizzesPassed: 0,
      quizzesTotal: 2,
      completed: false,
      lastActivityAt: null,
    });
  });

  it("leaving a course removes it from my courses; leaving twice is a 404", async () => {
    const { teacher, student } = await school();
    const course = await seedCourse(teacher);
    await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: student.token });
    expect((await call(`/v1/courses/${course.courseId}/enrolment`, { method: "DELETE", token: student.token })).status).toBe(204);
    expect(ids(await json(await call("/v1/me/courses", { token: student.token })))).toEqual([]);
    await expectProblem(
      await call(`/v1/courses/${course.courseId}/enrolment`, { method: "DELETE", token: student.token }),
      404,
      "not-found",
    );
  });

  it("drafts are not in the catalogue and cannot be enrolled in", async () => {
    const { teacher, student } = await school();
    const draft = await seedCourse(teacher, { publish: false });
    expect(ids(await json(await call("/v1/catalogue", { token: student.token })))).not.toContain(draft.courseId);
    await expectProblem(await call(`/v1/courses/${draft.courseId}/enrolment`, { method: "POST", token: student.token }), 404);
  });

  it("only students enrol; teachers and admins are told so (403)", async () => {
    const { admin, teacher } = await school();
    const course = await seedCourse(teacher);
    await expectProblem(await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: teacher.token }), 403, "forbidden");
    await expectProblem(await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: admin.token }), 403, "forbidden");
  });

  it("students of another organisation cannot see, enrol in or be invited to the course", async () => {
    const { teacher, admin } = await school();
    const course = await seedCourse(teacher);
    const outsider = await newMember(await newOrg("elsewhere"), "student");
    expect(ids(await json(await call("/v1/catalogue", { token: outsider.token })))).not.toContain(course.courseId);
    await expectProblem(await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: outsider.token }), 404);
    await expectProblem(await call(`/v1/courses/${course.courseId}/students`, { token: outsider.token }), 404);
    const refused = await expectProblem(
      await call(`/v1/courses/${course.courseId}/invitations`, { token: admin.token, body: { userIds: [outsider.id] } }),
      400,
      "validation-failed",
    );
    expect(refused.invalidParams).toEqual([{ name: "userIds.0", reason: "Not a student of your organisation." }]);
  });
});

describe("invited-only courses", () => {
  it("only invited students see and enrol; others get 404; revoking ends access", async () => {
    const { teacher, student, classmate } = await school();
    const course = await seedCourse(teacher, { visibility: "invited" });
    for (const who of [student, classmate]) {
      expect(ids(await json(await call("/v1/catalogue", { token: who.token })))).not.toContain(course.courseId);
      await expectProblem(await call(`/v1/courses/${course.courseId}`, { token: who.token }), 404);
    }

    const invited = await call(`/v1/courses/${course.courseId}/invitations`, {
      token: teacher.token,
      body: { userIds: [student.id, student.id] },
    });
    expect(invited.status).toBe(200);
    expect((await json(invited)).items).toMatchObject([{ userId: student.id, enrolled: false }]);

    expect(ids(await json(await call("/v1/catalogue", { token: student.token })))).toContain(course.courseId);
    expect(ids(await json(await call("/v1/catalogue", { token: classmate.token })))).not.toContain(course.courseId);
    await expectProblem(await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: classmate.token }), 404);
    expect((await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: student.token })).status).toBe(201);
    expect((await json(await call(`/v1/courses/${course.courseId}/invitations`, { token: teacher.token }))).items).toMatchObject([
      { userId: student.id, enrolled: true },
    ]);
    expect((await call(`/v1/courses/${course.courseId}/lessons/${course.lessonIds[0]}`, { token: student.token })).status).toBe(200);

    expect(
      (await call(`/v1/courses/${course.courseId}/invitations/${student.id}`, { method: "DELETE", token: teacher.token })).status,
    ).toBe(204);
    await expectProblem(await call(`/v1/courses/${course.courseId}`, { token: student.token }), 404);
    expect(ids(await json(await call("/v1/me/courses", { token: student.token })))).toEqual([]);
    await expectProblem(
      await call(`/v1/courses/${course.courseId}/invitations/${student.id}`, { method: "DELETE", token: teacher.token }),
      404,
    );
  });

  it("an enrolled student keeps a course when it moves from the organisation to invited-only", async () => {
    const { teacher, student, classmate } = await school();
    const course = await seedCourse(teacher);
    await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: student.token });
    const patched = await call(`/v1/courses/${course.courseId}`, {
      method: "PATCH",
      token: teacher.token,
      body: { visibility: "invited" },
    });
    expect((await json(patched)).visibility).toBe("invited");
    expect((await call(`/v1/courses/${course.courseId}`, { token: student.token })).status).toBe(200);
    await expectProblem(await call(`/v1/courses/${course.courseId}`, { token: classmate.token }), 404);
  });

  it("only the owner or an admin manages invitations, and only students can be invited", async () => {
    const { admin, teacher, student, classmate } = await school();
    const course = await seedCourse(teacher, { visibility: "invited" });
    const colleague = await newMember(admin, "teacher", "colleague");
    await expectProblem(
      await call(`/v1/courses/${course.courseId}/invitations`, { token: colleague.token, body: { userIds: [student.id] } }),
      403,
      "forbidden",
    );
    await expectProblem(await call(`/v1/courses/${course.courseId}/invitations`, { token: student.token }), 404);
    const notStudents = await expectProblem(
      await call(`/v1/courses/${course.courseId}/invitations`, {
        token: teacher.token,
        body: { userIds: [classmate.id, colleague.id, "no-such-user"] },
      }),
      400,
    );
    expect(notStudents.invalidParams.map((p: { name: string }) => p.name)).toEqual(["userIds.1", "userIds.2"]);
    // The request is all or nothing: the valid student was not invited either.
    expect((await json(await call(`/v1/courses/${course.courseId}/invitations`, { token: admin.token }))).items).toEqual([]);
  });
});

describe("the course's students", () => {
  it("the owner and an admin list enrolled students with progress; students and other teachers may not", async () => {
    const { admin, teacher, student, classmate } = await school();
    const course = await seedCourse(teacher);
    await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: student.token });
    await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: classmate.token });
    for (const viewer of [teacher, admin]) {
      const list = await json(await call(`/v1/courses/${course.courseId}/students`, { token: viewer.token }));
      expect(list.items.map((s: { userId: string }) => s.userId).sort()).toEqual([student.id, classmate.id].sort());
      expect(list.items[0].progress).toMatchObject({ lessonsTotal: 4, quizzesTotal: 2, completed: false });
    }
    await expectProblem(await call(`/v1/courses/${course.courseId}/students`, { token: student.token }), 403, "forbidden");
    const colleague = await newMember(admin, "teacher", "colleague");
    await expectProblem(await call(`/v1/courses/${course.courseId}/students`, { token: colleague.token }), 403, "forbidden");
  });
});
