/**
 * The read-only operator role spends nothing: no jobs of any kind, no tutor
 * questions, no recorded practice. Tried as a member given the operator role
 * and as a teacher made operator after building things of their own (they
 * still own the course, the session and the failed job, and may look at them).
 */
import { env } from "cloudflare:test";
import { jobs, practiceEvents } from "@studyhall/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type Actor, call, expectProblem, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { RoomClient } from "../../../test/helpers/room-client.ts";
import { corpusPdf, db, runToEnd } from "./run-jobs.ts";
import { openSession, seedPhotosynthesisCourse } from "./session-fixtures.ts";

const jobCount = async (ownerId: string) => db().$count(jobs, eq(jobs.ownerId, ownerId));
const operatorOf = (admin: Actor) => newMember(admin, "operator" as never, "operator");

describe(".security: the operator role spends nothing", () => {
  it("an operator cannot record practice, nor ask the tutor, and has no quota", async () => {
    const admin = await newOrg();
    const teacher = await newMember(admin, "teacher");
    const operator = await operatorOf(admin);
    const seeded = await seedPhotosynthesisCourse(teacher);
    const generated = await json(
      await call("/v1/questions/generate", { token: admin.token, body: { count: 2, difficulty: "easy", documentId: seeded.documentId } }),
    );
    const { job } = await runToEnd(generated.id);
    const [questionId] = (job.result as { questionIds: string[] }).questionIds;

    // It may look at the bank, but answering would be recorded for trending: refused, and nothing is written.
    expect((await call(`/v1/questions/${questionId}`, { token: operator.token })).status).toBe(200);
    await expectProblem(
      await call(`/v1/questions/${questionId}/practice`, { token: operator.token, body: { choice: 0 } }),
      403,
      "forbidden",
    );
    expect(await db().$count(practiceEvents, eq(practiceEvents.userId, operator.id))).toBe(0);

    const room = await openSession(teacher, { kind: "study-room", courseId: seeded.courseId });
    const socket = await RoomClient.join(operator, room);
    socket.send({ type: "chat", text: "@tutor what is chlorophyll?" });
    await socket.until(() => socket.errors().length > 0);
    expect(socket.errors()).toEqual([expect.objectContaining({ code: "tutor-unavailable" })]);
    expect(await jobCount(operator.id)).toBe(0);
    socket.close();

    expect(await json(await call("/v1/me/usage", { token: operator.token }))).toMatchObject({
      used: 0,
      reserved: 0,
      limit: 0,
      remaining: 0,
    });
  });

  it("a teacher made operator still owns their course and failed job, no longer sees the tutoring session they opened, and every route that starts work refuses them", async () => {
    const admin = await newOrg();
    const teacher = await newMember(admin, "teacher");
    const student = await newMember(admin, "student");
    const locked = await json(
      await call("/v1/documents", {
        token: teacher.token,
        body: await corpusPdf("encrypted-attachment.pdf"),
        headers: { "Content-Type": "application/pdf" },
      }),
    );
    expect((await runToEnd(locked.job.id)).job.status).toBe("failed");
    const seeded = await seedPhotosynthesisCourse(teacher);
    const lessonId = [...seeded.lessonIds.values()][0]!;
    const tutoring = await openSession(teacher, { kind: "tutoring", studentId: student.id, courseId: seeded.courseId });
    const studyRoom = await openSession(teacher, { kind: "study-room", courseId: seeded.courseId });
    // Connected while still a teacher: the room's ticket said so.
    const socket = await RoomClient.join(teacher, studyRoom);

    expect((await call(`/v1/orgs/members/${teacher.id}`, { token: admin.token, method: "PATCH", body: { role: "operator" } })).status).toBe(
      200,
    );
    const before = await jobCount(teacher.id);
    // A tutoring session they opened is no longer theirs to see at all (an operator sees what a student would).
    await expectProblem(await call(`/v1/sessions/${tutoring}/report`, { token: teacher.token, method: "POST" }), 404, "not-found");
    const attempts = [
      call(`/v1/courses/${seeded.courseId}/lessons/${lessonId}/regenerate`, { token: teacher.token, method: "POST" }),
      call(`/v1/courses/${seeded.courseId}/exports`, { token: teacher.token, body: { format: "json" } }),
      call(`/v1/jobs/${locked.job.id}/retry`, { token: teacher.token, method: "POST" }),
      call("/v1/documents", {
        token: teacher.token,
        body: await corpusPdf("issue925.pdf"),
        headers: { "Content-Type": "application/pdf" },
      }),
      call(`/v1/documents/${seeded.documentId}/course`, { token: teacher.token, body: {} }),
      call("/v1/questions/generate", { token: teacher.token, body: { count: 2, difficulty: "easy", documentId: seeded.documentId } }),
    ];
    for (const response of await Promise.all(attempts)) await expectProblem(response, 403, "forbidden");
    // Looking is still allowed.
    expect((await call(`/v1/jobs/${locked.job.id}`, { token: teacher.token })).status).toBe(200);
    expect((await call(`/v1/courses/${seeded.courseId}`, { token: teacher.token })).status).toBe(200);

    // The tutor asks who they are now, not what the ticket said.
    socket.send({ type: "chat", text: "@tutor summarise the light reactions" });
    await socket.until(() => socket.errors().length > 0);
    expect(socket.errors()[0]).toMatchObject({ code: "tutor-unavailable" });
    socket.close();

    expect(await jobCount(teacher.id)).toBe(before);
    expect((await env.FILES.list({ prefix: `exports/${teacher.orgId}/` })).objects).toHaveLength(0);
  });
});
