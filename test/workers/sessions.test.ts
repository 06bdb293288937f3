/** Live sessions over HTTP: who may open, see and join which session, and how the WebSocket is authenticated. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, newMember, newOrg } from "../helpers/api.ts";
import { connectRaw, newClassroom, RoomClient, ticketFor } from "../helpers/room-client.ts";

describe("opening sessions", () => {
  it("a teacher opens a study room for a course and a tutoring session with a student; both are listed", async () => {
    const { teacher, students, courseId, roomId } = await newClassroom();
    const room = await json(await call(`/v1/sessions/${roomId}`, { token: teacher.token }));
    expect(room).toMatchObject({
      id: roomId,
      kind: "study-room",
      courseId,
      createdBy: teacher.id,
      status: "open",
      title: "Study room: Tracing JITs",
      present: [],
    });

    const tutoring = await call("/v1/sessions", {
      token: teacher.token,
      body: { kind: "tutoring", studentId: students[0].id, title: "Exam prep" },
    });
    expect(tutoring.status).toBe(201);
    const session = await json(tutoring);
    expect(session).toMatchObject({ kind: "tutoring", studentId: students[0].id, courseId: null, title: "Exam prep" });

    const listed = await json(await call("/v1/sessions", { token: teacher.token }));
    expect(listed.items.map((s: { id: string }) => s.id)).toEqual([session.id, roomId]);
  });

  it("students cannot open sessions; a tutoring session needs a student of the same organisation", async () => {
    const { admin, teacher, students, courseId } = await newClassroom();
    await expectProblem(await call("/v1/sessions", { token: students[0].token, body: { kind: "study-room", courseId } }), 403, "forbidden");
    const colleague = await newMember(admin, "teacher", "colleague");
    await expectProblem(
      await call("/v1/sessions", { token: teacher.token, body: { kind: "tutoring", studentId: colleague.id } }),
      400,
      "bad-request",
    );
    const outsider = await newMember(await newOrg("elsewhere"), "student");
    await expectProblem(
      await call("/v1/sessions", { token: teacher.token, body: { kind: "tutoring", studentId: outsider.id } }),
      404,
      "not-found",
    );
    await expectProblem(
      await call("/v1/sessions", { token: teacher.token, body: { kind: "lecture", courseId } }),
      400,
      "validation-failed",
    );
  });

  it("a study room needs a course the teacher can see", async () => {
    const { admin } = await newClassroom();
    const owner = await newMember(admin, "teacher", "owner");
    const other = await newMember(admin, "teacher", "other");
    const draft = await json(await call("/v1/courses", { token: owner.token, body: { title: "Private draft" } }));
    await expectProblem(
      await call("/v1/sessions", { token: other.token, body: { kind: "study-room", courseId: draft.id } }),
      404,
      "not-found",
    );
  });
});

describe("who may see and join", () => {
  it("a student of another organisation can neither see, read nor get a ticket for a session", async () => {
    const { roomId } = await newClassroom();
    const outsider = await newMember(await newOrg("other-org"), "student");
    const outsiderAdmin = await newOrg("other-admin");
    for (const actor of [outsider, outsiderAdmin]) {
      await expectProblem(await call(`/v1/sessions/${roomId}`, { token: actor.token }), 404, "not-found");
      await expectProblem(await call(`/v1/sessions/${roomId}/messages`, { token: actor.token }), 404, "not-found");
      await expectProblem(await call(`/v1/sessions/${roomId}/ticket`, { method: "POST", token: actor.token }), 404, "not-found");
      const list = await json(await call("/v1/sessions", { token: actor.token }));
      expect(list.items.map((s: { id: string }) => s.id)).not.toContain(roomId);
    }
  });

  it("a tutoring session is only its student's, its teacher's and the admins'", async () => {
    const { admin, teacher, students } = await newClassroom();
    const session = await json(await call("/v1/sessions", { token: teacher.token, body: { kind: "tutoring", studentId: students[0].id } }));
    const colleague = await newMember(admin, "teacher", "colleague");
    for (const stranger of [students[1], colleague]) {
      await expectProblem(await call(`/v1/sessions/${session.id}`, { token: stranger.token }), 404, "not-found");
      await expectProblem(await call(`/v1/sessions/${session.id}/ticket`, { method: "POST", token: stranger.token }), 404, "not-found");
    }
    for (const member of [students[0], teacher, admin]) {
      expect((await call(`/v1/sessions/${session.id}/ticket`, { method: "POST", token: member.token })).status).toBe(201);
    }
  });

  it("a study room of a course a student cannot see (a draft) is hidden from students until it is published", async () => {
    const { teacher, students } = await newClassroom();
    const draft = await json(await call("/v1/courses", { token: teacher.token, body: { title: "Not yet" } }));
    const room = await json(await call("/v1/sessions", { token: teacher.token, body: { kind: "study-room", courseId: draft.id } }));
    await expectProblem(await call(`/v1/sessions/${room.id}/ticket`, { method: "POST", token: students[0].token }), 404, "not-found");
    expect((await json(await call("/v1/sessions", { token: students[0].token }))).items.map((s: { id: string }) => s.id)).not.toContain(
      room.id,
    );
    await call(`/v1/courses/${draft.id}`, { method: "PATCH", token: teacher.token, body: { status: "PUBLISHED" } });
    expect((await call(`/v1/sessions/${room.id}/ticket`, { method: "POST", token: students[0].token })).status).toBe(201);
  });

  it("only the teacher who opened a session or an admin moderates it (403 for participants who can see it)", async () => {
    const { admin, students, roomId } = await newClassroom();
    const colleague = await newMember(admin, "teacher", "colleague");
    for (const participant of [students[0], colleague]) {
      await expectProblem(await call(`/v1/sessions/${roomId}/close`, { method: "POST", token: participant.token }), 403, "forbidden");
      await expectProblem(
        await call(`/v1/sessions/${roomId}/mute`, { token: participant.token, body: { userId: students[1].id, muted: true } }),
        403,
        "forbidden",
      );
      await expectProblem(
        await call(`/v1/sessions/${roomId}/messages/1`, { method: "DELETE", token: participant.token }),
        403,
        "forbidden",
      );
    }
    expect((await call(`/v1/sessions/${roomId}/mute`, { token: admin.token, body: { userId: students[1].id, muted: true } })).status).toBe(
      200,
    );
  });
});

describe("the WebSocket ticket", () => {
  it("the ticket URL opens the socket once; without a ticket, with a made-up one or with a used one it is refused before the upgrade", async () => {
    const { students, roomId } = await newClassroom();
    const issued = await json(await call(`/v1/sessions/${roomId}/ticket`, { method: "POST", token: students[0].token }));
    expect(issued.url).toBe(`wss://studyhall.test/v1/sessions/${roomId}/ws?ticket=${issued.ticket}`);
    expect(Date.parse(issued.expiresAt)).toBeGreaterThan(Date.now());

    await expectProblem(await connectRaw(roomId, {}), 401, "unauthenticated");
    await expectProblem(await connectRaw(roomId, { ticket: "made-up" }), 401, "invalid-token");
    await expectProblem(await connectRaw(roomId, { ticket: "A".repeat(43) }), 401, "invalid-token");
    const first = await connectRaw(roomId, { ticket: issued.ticket });
    expect(first.status).toBe(101);
    first.webSocket!.accept();
    await expectProblem(await connectRaw(roomId, { ticket: issued.ticket }), 401, "invalid-token");
    first.webSocket!.close(1000);
  });

  it("an expired ticket is refused, and a ticket of one session does not open another", async () => {
    const { teacher, students, roomId, courseId } = await newClassroom();
    const stub = env.SESSION_ROOM.getByName(roomId);
    const { ticket } = await stub.issueTicket({ userId: students[0].id, name: "Test", role: "student", ttlMs: 1 });
    await new Promise((r) => setTimeout(r, 20));
    await expectProblem(await connectRaw(roomId, { ticket }), 401, "invalid-token");

    const other = await json(await call("/v1/sessions", { token: teacher.token, body: { kind: "study-room", courseId } }));
    const ticketForOther = await ticketFor(students[0], other.id);
    await expectProblem(await connectRaw(roomId, { ticket: ticketForOther }), 401, "invalid-token");
    expect((await connectRaw(other.id, { ticket: ticketForOther })).status).toBe(101);
  });

  it("a plain GET of the socket URL is a 400 problem and spends nothing; no bearer token is needed for the upgrade", async () => {
    const { students, roomId } = await newClassroom();
    const ticket = await ticketFor(students[0], roomId);
    const plain = await call(`/v1/sessions/${roomId}/ws?ticket=${ticket}`);
    await expectProblem(plain, 400, "bad-request");
    expect((await connectRaw(roomId, { ticket })).status).toBe(101);
  });

  it("a student cannot open another student's tutoring session even with the session id", async () => {
    const { teacher, students } = await newClassroom();
    const session = await json(await call("/v1/sessions", { token: teacher.token, body: { kind: "tutoring", studentId: students[0].id } }));
    await expectProblem(await call(`/v1/sessions/${session.id}/ticket`, { method: "POST", token: students[1].token }), 404);
    await expectProblem(await connectRaw(session.id, {}), 401);
    const own = await RoomClient.join(students[0], session.id);
    expect(own.frames[0]).toMatchObject({
      type: "welcome",
      you: { id: students[0].id, role: "student" },
      session: { id: session.id, kind: "tutoring" },
    });
    own.close();
  });
});

describe("closing", () => {
  it("closing disconnects everyone with a last system message, refuses new tickets and keeps the history", async () => {
    const { teacher, students, roomId } = await newClassroom();
    const student = await RoomClient.join(students[0], roomId);
    student.send({ type: "chat", text: "see you" });
    await student.until((f) => f.some((x) => x.type === "chat"));
    const closed = await call(`/v1/sessions/${roomId}/close`, { method: "POST", token: teacher.token });
    expect((await json(closed)).status).toBe("closed");
    await student.untilClosed();
    expect(student.closed).toEqual({ code: 4410, reason: "This session was closed." });
    expect(student.messages().at(-1)).toMatchObject({ type: "system", text: "This session was closed." });
    await expectProblem(await call(`/v1/sessions/${roomId}/ticket`, { method: "POST", token: students[1].token }), 409, "conflict");
    const history = await json(await call(`/v1/sessions/${roomId}/messages`, { token: students[1].token }));
    expect(history.messages.map((m: { text: string }) => m.text)).toEqual(["see you", "This session was closed."]);
    const open = await json(await call("/v1/sessions?status=open", { token: teacher.token }));
    expect(open.items.map((s: { id: string }) => s.id)).not.toContain(roomId);
  });
});
