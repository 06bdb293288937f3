/**
 * Owning a course or a session gives its powers only while the owner teaches:
 * a teacher demoted to student or operator tries, with the very token they
 * held as a teacher, every owner power on what they own, and is refused at once.
 */
import { describe, expect, it } from "vitest";
import { type Actor, call, expectProblem, json, newMember, newOrg } from "../helpers/api.ts";
import { seedCourse } from "./learning-fixtures.ts";

async function ownedThings() {
  const admin = await newOrg("owner-admin");
  const teacher = await newMember(admin, "teacher");
  const student = await newMember(admin, "student");
  const course = await seedCourse(teacher);
  const draft = await seedCourse(teacher, { publish: false });
  const quizId = course.quizIds[0]!;
  // What a student did while the teacher still taught: an enrolment and a submitted attempt.
  await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: student.token });
  const attempt = await json(await call(`/v1/quizzes/${quizId}/attempts`, { method: "POST", token: student.token }));
  await call(`/v1/attempts/${attempt.id}/submit`, { method: "POST", token: student.token });
  const room = await json(await call("/v1/sessions", { token: teacher.token, body: { kind: "study-room", courseId: course.courseId } }));
  const tutoring = await json(await call("/v1/sessions", { token: teacher.token, body: { kind: "tutoring", studentId: student.id } }));
  const exported = await call(`/v1/courses/${course.courseId}/exports`, { token: teacher.token, body: { format: "json" } });
  expect(exported.status).toBe(202);
  const exportId = (await json(exported)).export.id as string;
  return {
    admin,
    teacher,
    student,
    course,
    draft,
    quizId,
    attemptId: attempt.id as string,
    roomId: room.id as string,
    tutoringId: tutoring.id as string,
    exportId,
  };
}

type Things = Awaited<ReturnType<typeof ownedThings>>;

/** Every owner power on the course, as [what, request]; each must answer 403 to a demoted owner. */
function coursePowers(t: Things, actor: Actor) {
  const id = t.course.courseId;
  const send = (path: string, method: string, body?: unknown) => () => call(path, { method, token: actor.token, body });
  return [
    ["answer key", send(`/v1/courses/${id}/answer-key`, "GET")],
    ["course analytics", send(`/v1/courses/${id}/analytics`, "GET")],
    ["quiz analytics", send(`/v1/quizzes/${t.quizId}/analytics`, "GET")],
    ["student list", send(`/v1/courses/${id}/students`, "GET")],
    ["edit", send(`/v1/courses/${id}`, "PATCH", { title: "Renamed by a former teacher" })],
    ["delete", send(`/v1/courses/${id}`, "DELETE")],
    ["new export", send(`/v1/courses/${id}/exports`, "POST", { format: "markdown" })],
    ["own earlier export", send(`/v1/exports/${t.exportId}`, "GET")],
    ["regenerate", send(`/v1/courses/${id}/lessons/${t.course.lessonIds[0]}/regenerate`, "POST")],
    ["quiz settings", send(`/v1/quizzes/${t.quizId}`, "PATCH", { maxAttempts: 1 })],
    ["invite", send(`/v1/courses/${id}/invitations`, "POST", { userIds: [t.student.id] })],
    ["list invitations", send(`/v1/courses/${id}/invitations`, "GET")],
    ["revoke invitation", send(`/v1/courses/${id}/invitations/${t.student.id}`, "DELETE")],
    ["preview attempt", send(`/v1/quizzes/${t.quizId}/attempts`, "POST")],
    ["delete a room message", send(`/v1/sessions/${t.roomId}/messages/1`, "DELETE")],
    ["mute", send(`/v1/sessions/${t.roomId}/mute`, "POST", { userId: t.student.id, muted: true })],
    ["close the room", send(`/v1/sessions/${t.roomId}/close`, "POST")],
  ] as const;
}

describe.each(["student", "operator"] as const)("a teacher demoted to %s", (role) => {
  it("loses every owner power on their own published course and study room, with the token they already hold", async () => {
    const t = await ownedThings();
    // The control: as a teacher, the same token opens the answer key and a student's attempt.
    expect((await call(`/v1/courses/${t.course.courseId}/answer-key`, { token: t.teacher.token })).status).toBe(200);
    expect((await call(`/v1/attempts/${t.attemptId}`, { token: t.teacher.token })).status).toBe(200);

    const demoted = await call(`/v1/orgs/members/${t.teacher.id}`, { method: "PATCH", token: t.admin.token, body: { role } });
    expect((await json(demoted)).role).toBe(role);

    for (const [what, request] of coursePowers(t, t.teacher)) {
      const response = await request();
      if (response.status !== 403) throw new Error(`${what}: expected 403, got ${response.status} ${await response.text()}`);
      await expectProblem(response, 403, "forbidden");
    }
    // A student's attempt is no longer theirs to look at.
    await expectProblem(await call(`/v1/attempts/${t.attemptId}`, { token: t.teacher.token }), 404, "not-found");

    // Nothing was changed on the way, and the organisation's admin keeps every power.
    const course = await json(await call(`/v1/courses/${t.course.courseId}`, { token: t.student.token }));
    expect(course.title).not.toBe("Renamed by a former teacher");
    const settings = await json(await call(`/v1/quizzes/${t.quizId}`, { token: t.student.token }));
    expect(settings.maxAttempts).toBeNull();
    expect((await call(`/v1/courses/${t.course.courseId}/answer-key`, { token: t.admin.token })).status).toBe(200);
    expect((await call(`/v1/exports/${t.exportId}`, { token: t.admin.token })).status).toBe(200);
    expect((await json(await call(`/v1/sessions/${t.roomId}`, { token: t.admin.token }))).status).toBe("open");
  });

  it("no longer sees their own draft course or the tutoring session they opened, nor its report", async () => {
    const t = await ownedThings();
    expect((await call(`/v1/courses/${t.draft.courseId}`, { token: t.teacher.token })).status).toBe(200);
    expect((await call(`/v1/sessions/${t.tutoringId}`, { token: t.teacher.token })).status).toBe(200);

    await call(`/v1/orgs/members/${t.teacher.id}`, { method: "PATCH", token: t.admin.token, body: { role } });

    await expectProblem(await call(`/v1/courses/${t.draft.courseId}`, { token: t.teacher.token }), 404, "not-found");
    await expectProblem(
      await call(`/v1/courses/${t.draft.courseId}`, { method: "PATCH", token: t.teacher.token, body: { status: "PUBLISHED" } }),
      404,
    );
    await expectProblem(await call(`/v1/courses/${t.draft.courseId}/answer-key`, { token: t.teacher.token }), 404);
    await expectProblem(await call(`/v1/sessions/${t.tutoringId}`, { token: t.teacher.token }), 404, "not-found");
    await expectProblem(await call(`/v1/sessions/${t.tutoringId}/report`, { method: "POST", token: t.teacher.token }), 404);
    await expectProblem(await call(`/v1/sessions/${t.tutoringId}/report`, { token: t.teacher.token }), 404);
    await expectProblem(await call(`/v1/sessions/${t.tutoringId}/messages`, { token: t.teacher.token }), 404);
    const listed = await json(await call("/v1/sessions", { token: t.teacher.token }));
    expect(listed.items.map((s: { id: string }) => s.id)).not.toContain(t.tutoringId);
    // The tutoring session is still its student's.
    expect((await call(`/v1/sessions/${t.tutoringId}`, { token: t.student.token })).status).toBe(200);
  });

  it("gets every power back when promoted to teacher again", async () => {
    const t = await ownedThings();
    await call(`/v1/orgs/members/${t.teacher.id}`, { method: "PATCH", token: t.admin.token, body: { role } });
    await expectProblem(await call(`/v1/courses/${t.course.courseId}/answer-key`, { token: t.teacher.token }), 403);
    await call(`/v1/orgs/members/${t.teacher.id}`, { method: "PATCH", token: t.admin.token, body: { role: "teacher" } });
    expect((await call(`/v1/courses/${t.course.courseId}/answer-key`, { token: t.teacher.token })).status).toBe(200);
    expect((await call(`/v1/sessions/${t.tutoringId}`, { token: t.teacher.token })).status).toBe(200);
  });
});
