/**
 * Live sockets follow access: whoever may no longer join a room is
 * disconnected with 4403 as soon as the change is made (the API tells the
 * room), and can neither come back nor read the history; everyone else stays.
 * Each test is one way of losing access; the last shows the room's own timer
 * catching a change nobody announced.
 */

import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { sessionCloseCodes, sessionCloseReasons } from "@studyhall/core";
import { courseInvitations, joinableNow, sessions, users, type Viewer, visibleSessions } from "@studyhall/db";
import { recheckSessionAccess } from "@studyhall/objects";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type Actor, call, expectProblem, json, newMember, newOrg } from "../helpers/api.ts";
import { connectRaw, newClassroom, RoomClient, ticketFor } from "../helpers/room-client.ts";
import { testDb } from "../helpers/test-db.ts";

const REVOKED = { code: sessionCloseCodes.accessRevoked, reason: sessionCloseReasons[sessionCloseCodes.accessRevoked] };
const chats = (client: RoomClient) => client.messages().flatMap((m) => (m.type === "chat" ? [m.text] : []));
const leftNotices = (client: RoomClient, userId: string) =>
  client.frames.filter((f) => f.type === "presence" && f.event === "left" && f.user.id === userId);

/** A classroom whose course is published to invited students only, both students invited. */
async function invitedClassroom() {
  const classroom = await newClassroom();
  const { teacher, students, courseId } = classroom;
  expect((await call(`/v1/courses/${courseId}`, { method: "PATCH", token: teacher.token, body: { visibility: "invited" } })).status).toBe(
    200,
  );
  expect(
    (await call(`/v1/courses/${courseId}/invitations`, { token: teacher.token, body: { userIds: students.map((s) => s.id) } })).status,
  ).toBe(200);
  return classroom;
}

/** The person is shut out: no new ticket, no history. */
async function expectShutOut(actor: Actor, roomId: string) {
  await expectProblem(await call(`/v1/sessions/${roomId}/ticket`, { method: "POST", token: actor.token }), 404, "not-found");
  await expectProblem(await call(`/v1/sessions/${roomId}/messages`, { token: actor.token }), 404, "not-found");
}

/** Everyone in `stayed` is still connected and still hears the room: a message from the first reaches all. */
async function expectStillConnected(stayed: RoomClient[], marker: string) {
  stayed[0]!.send({ type: "chat", text: marker });
  for (const client of stayed) await client.until(() => chats(client).includes(marker));
  for (const client of stayed) expect(client.closed).toBeNull();
}

describe("losing access closes the socket with 4403", () => {
  it("an uninvited student is disconnected at once, announced as left once, and their held ticket, a new ticket and the history are refused", async () => {
    const { teacher, students, roomId, courseId } = await invitedClassroom();
    const host = await RoomClient.join(teacher, roomId);
    const other = await RoomClient.join(students[1], roomId);
    const uninvited = await RoomClient.join(students[0], roomId);
    const heldTicket = await ticketFor(students[0], roomId);

    expect((await call(`/v1/courses/${courseId}/invitations/${students[0].id}`, { method: "DELETE", token: teacher.token })).status).toBe(
      204,
    );
    await uninvited.untilClosed();
    expect(uninvited.closed).toEqual(REVOKED);
    await host.until(() => leftNotices(host, students[0].id).length > 0);
    expect(leftNotices(host, students[0].id)[0]).toMatchObject({ present: [{ id: teacher.id }, { id: students[1].id }] });

    await expectStillConnected([host, other], "still here");
    expect(leftNotices(host, students[0].id)).toHaveLength(1);
    expect(chats(uninvited)).not.toContain("still here");
    await expectShutOut(students[0], roomId);
    await expectProblem(await connectRaw(roomId, { ticket: heldTicket }), 401, "invalid-token");
    const session = await json(await call(`/v1/sessions/${roomId}`, { token: teacher.token }));
    expect(session.present.map((p: { id: string }) => p.id)).toEqual([teacher.id, students[1].id]);
    for (const c of [host, other]) c.close();
  });

  it("making a course invited-only disconnects students neither invited nor enrolled; an enrolled one stays until they leave the course", async () => {
    const { teacher, students, roomId, courseId } = await newClassroom();
    expect((await call(`/v1/courses/${courseId}/enrolment`, { method: "POST", token: students[0].token })).status).toBe(201);
    const host = await RoomClient.join(teacher, roomId);
    const enrolled = await RoomClient.join(students[0], roomId);
    const passerby = await RoomClient.join(students[1], roomId);

    expect((await call(`/v1/courses/${courseId}`, { method: "PATCH", token: teacher.token, body: { visibility: "invited" } })).status).toBe(
      200,
    );
    await passerby.untilClosed();
    expect(passerby.closed).toEqual(REVOKED);
    await expectStillConnected([host, enrolled], "enrolled students keep the course");
    await expectShutOut(students[1], roomId);

    expect((await call(`/v1/courses/${courseId}/enrolment`, { method: "DELETE", token: students[0].token })).status).toBe(204);
    await enrolled.untilClosed();
    expect(enrolled.closed).toEqual(REVOKED);
    await expectStillConnected([host], "the teacher stays");
    await expectShutOut(students[0], roomId);
    host.close();
  });

  it("unpublishing a course disconnects its students; its teacher and an admin stay", async () => {
    const { admin, teacher, students, roomId, courseId } = await newClassroom();
    const host = await RoomClient.join(teacher, roomId);
    const overseer = await RoomClient.join(admin, roomId);
    const learners = [await RoomClient.join(students[0], roomId), await RoomClient.join(students[1], roomId)];

    expect((await call(`/v1/courses/${courseId}`, { method: "PATCH", token: teacher.token, body: { status: "DRAFT" } })).status).toBe(200);
    for (const learner of learners) {
      await learner.untilClosed();
      expect(learner.closed).toEqual(REVOKED);
    }
    await expectStillConnected([host, overseer], "back to drafting");
    for (const student of students) await expectShutOut(student, roomId);
    for (const c of [host, overseer]) c.close();
  });

  it("deleting a course disconnects its room's students, not the teacher who opened it nor anyone in the organisation's other rooms", async () => {
    const { admin, teacher, students, roomId, courseId } = await newClassroom();
    const otherCourse = await json(await call("/v1/courses", { token: teacher.token, body: { title: "Another course" } }));
    await call(`/v1/courses/${otherCourse.id}`, { method: "PATCH", token: teacher.token, body: { status: "PUBLISHED" } });
    const otherRoom = await json(
      await call("/v1/sessions", { token: teacher.token, body: { kind: "study-room", courseId: otherCourse.id } }),
    );
    const host = await RoomClient.join(teacher, roomId);
    const overseer = await RoomClient.join(admin, roomId);
    const learner = await RoomClient.join(students[0], roomId);
    const elsewhere = await RoomClient.join(students[1], otherRoom.id);
    const elsewhereHost = await RoomClient.join(teacher, otherRoom.id);

    expect((await call(`/v1/courses/${courseId}`, { method: "DELETE", token: teacher.token })).status).toBe(204);
    await learner.untilClosed();
    expect(learner.closed).toEqual(REVOKED);
    await expectStillConnected([host, overseer], "the room outlives its course");
    await expectStillConnected([elsewhereHost, elsewhere], "another room carries on");
    await expectShutOut(students[0], roomId);
    for (const c of [host, overseer, elsewhere, elsewhereHost]) c.close();
  });

  it("a teacher demoted to student is disconnected from an invited-only course's room they were not invited to", async () => {
    const { admin, teacher, students, roomId } = await invitedClassroom();
    const colleague = await newMember(admin, "teacher", "colleague");
    const host = await RoomClient.join(teacher, roomId);
    const student = await RoomClient.join(students[0], roomId);
    const demoted = await RoomClient.join(colleague, roomId);

    expect(
      (await call(`/v1/orgs/members/${colleague.id}`, { method: "PATCH", token: admin.token, body: { role: "student" } })).status,
    ).toBe(200);
    await demoted.untilClosed();
    expect(demoted.closed).toEqual(REVOKED);
    await expectStillConnected([host, student], "only teachers were demoted");
    await expectShutOut(colleague, roomId);
    for (const c of [host, student]) c.close();
  });

  it("a member removed from the organisation is disconnected when the removal is announced, and gets neither a ticket nor the history", async () => {
    const { admin, teacher, students, roomId } = await newClassroom();
    const host = await RoomClient.join(teacher, roomId);
    const stays = await RoomClient.join(students[1], roomId);
    const removed = await RoomClient.join(students[0], roomId);

    await testDb().update(users).set({ removedAt: new Date() }).where(eq(users.id, students[0].id));
    // What the member-removal route calls once the row is written.
    await recheckSessionAccess(env, { kind: "organisation", orgId: admin.orgId });
    await removed.untilClosed();
    expect(removed.closed).toEqual(REVOKED);
    await expectStillConnected([host, stays], "the class goes on");
    for (const c of [host, stays]) c.close();
    // 404 from the session's own rule; 401 where the removed account's token is refused before it.
    for (const path of [`/v1/sessions/${roomId}/ticket`, `/v1/sessions/${roomId}/messages`]) {
      const refused = await call(path, { method: path.endsWith("ticket") ? "POST" : "GET", token: students[0].token });
      expect([401, 404]).toContain(refused.status);
      await expectProblem(refused, refused.status);
    }
  });
});

describe("the room's own re-check", () => {
  it("an invitation deleted straight from D1, with nothing pushed, is caught by the room's alarm; the alarm keeps coming while people are connected", async () => {
    const { teacher, students, roomId, courseId } = await invitedClassroom();
    const host = await RoomClient.join(teacher, roomId);
    const student = await RoomClient.join(students[1], roomId);
    const target = await RoomClient.join(students[0], roomId);
    const stub = env.SESSION_ROOM.getByName(roomId);

    // With everyone allowed, the alarm changes nothing.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await expectStillConnected([host, student, target], "all allowed");

    await testDb()
      .delete(courseInvitations)
      .where(and(eq(courseInvitations.courseId, courseId), eq(courseInvitations.userId, students[0].id)));
    await expectStillConnected([host, target], "nobody told the room yet");
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await target.untilClosed();
    expect(target.closed).toEqual(REVOKED);
    await expectStillConnected([host, student], "the rest stay");
    await expectShutOut(students[0], roomId);
    expect(await runInDurableObject(stub, (_room, state) => state.storage.getAlarm())).not.toBeNull();
    for (const c of [host, student]) c.close();
  });

  it("a session closed in D1 behind the room's back is closed for everyone with 4410 at the next re-check", async () => {
    const { teacher, students, roomId } = await newClassroom();
    const host = await RoomClient.join(teacher, roomId);
    const student = await RoomClient.join(students[0], roomId);
    await testDb().update(sessions).set({ status: "closed", closedAt: new Date() }).where(eq(sessions.id, roomId));
    expect(await env.SESSION_ROOM.getByName(roomId).recheckAccess()).toEqual({ revoked: [], closed: true });
    for (const client of [host, student]) {
      await client.untilClosed();
      expect(client.closed).toEqual({
        code: sessionCloseCodes.sessionClosed,
        reason: sessionCloseReasons[sessionCloseCodes.sessionClosed],
      });
    }
  });
});

describe("who the room keeps", () => {
  it("asked for everyone at once, the rule gives each person the answer visibleSessions gives them alone, and nobody removed", async () => {
    const { admin, teacher, students, roomId, courseId } = await invitedClassroom();
    const colleague = await newMember(admin, "teacher", "colleague");
    const operator = await newMember(admin, "student", "operator");
    await call(`/v1/orgs/members/${operator.id}`, { method: "PATCH", token: admin.token, body: { role: "operator" } });
    const uninvited = await newMember(admin, "student", "uninvited");
    const removed = await newMember(admin, "student", "removed");
    await call(`/v1/courses/${courseId}/invitations`, { token: teacher.token, body: { userIds: [removed.id] } });
    await testDb().update(users).set({ removedAt: new Date() }).where(eq(users.id, removed.id));
    const stranger = await newOrg("stranger");
    const tutoring = await json(
      await call("/v1/sessions", { token: teacher.token, body: { kind: "tutoring", studentId: students[0].id } }),
    );
    const draft = await json(await call("/v1/courses", { token: colleague.token, body: { title: "Colleague's draft" } }));
    const draftRoom = await json(await call("/v1/sessions", { token: colleague.token, body: { kind: "study-room", courseId: draft.id } }));

    const db = testDb();
    const people = [admin, teacher, ...students, colleague, operator, uninvited, removed, stranger];
    const viewers: Viewer[] = await Promise.all(
      people.map(async (p) => {
        const row = (await db.query.users.findFirst({ where: (u, { eq: is }) => is(u.id, p.id) }))!;
        return { id: row.id, orgId: row.orgId, role: row.role };
      }),
    );
    for (const sessionId of [roomId, tutoring.id, draftRoom.id]) {
      const alone = new Set<string>();
      for (const viewer of viewers) {
        const seen = await db
          .select({ id: sessions.id })
          .from(sessions)
          .where(and(eq(sessions.id, sessionId), visibleSessions(viewer)));
        if (seen.length) alone.add(viewer.id);
      }
      // Invited before removal, the removed member still passes the course rule: only removal keeps them out.
      if (sessionId === roomId) expect(alone.has(removed.id)).toBe(true);
      alone.delete(removed.id);
      const together = await joinableNow(
        db,
        sessionId,
        viewers.map((v) => v.id),
      );
      expect(together.session).toBe("open");
      expect([...together.allowed].sort()).toEqual([...alone].sort());
    }
    // The cases this covers, spelled out for the invited-only room: admins, its teacher, teachers, invited students.
    const room = await joinableNow(
      db,
      roomId,
      viewers.map((v) => v.id),
    );
    expect([...room.allowed].sort()).toEqual([admin.id, teacher.id, students[0].id, students[1].id, colleague.id].sort());
  });
});
