/**
 * Invited students of a course published with `visibility: "invited"`: its
 * owner or an admin invites students of the organisation, lists and revokes
 * them. Revoking also ends the student's enrolment in an invited-only course,
 * so access really ends (lessons read and attempts are kept), live sessions
 * included: the course's open rooms re-check who may stay.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { ProblemError } from "@studyhall/core";
import { assertCanEdit, courseInvitations, type Db, enrolments, users } from "@studyhall/db";
import { recheckSessionAccess } from "@studyhall/objects";
import { and, asc, eq, sql } from "drizzle-orm";
import { validationProblem } from "../errors.ts";
import { currentUser } from "../middleware/auth.ts";
import { visibleCourse } from "./lessons.ts";
import { bearer, json, jsonBody, newRouter, pick } from "./openapi.ts";
import { iso } from "./views.ts";

const invitedSchema = z
  .object({ userId: z.string(), name: z.string(), email: z.string(), invitedAt: z.string(), enrolled: z.boolean() })
  .openapi("CourseInvitation");
const invitationList = z.object({ courseId: z.string(), items: z.array(invitedSchema) });
const inviteBody = z.object({ userIds: z.array(z.string().min(1).max(64)).min(1).max(100) }).openapi("CourseInvitationRequest");
const params = z.object({ id: z.string().min(1).max(64) });

/** Rows per insert: three bound values each, under D1's 100 per statement. */
const ROWS_PER_INSERT = 30;

async function invitationsOf(db: Db, courseId: string) {
  const rows = await db
    .select({
      userId: users.id,
      name: users.name,
      email: users.email,
      invitedAt: courseInvitations.createdAt,
      enrolledAt: enrolments.enrolledAt,
    })
    .from(courseInvitations)
    .innerJoin(users, eq(users.id, courseInvitations.userId))
    .leftJoin(enrolments, and(eq(enrolments.courseId, courseInvitations.courseId), eq(enrolments.userId, courseInvitations.userId)))
    .where(eq(courseInvitations.courseId, courseId))
    .orderBy(asc(courseInvitations.createdAt), asc(users.id));
  return {
    courseId,
    items: rows.map((r) => ({
      userId: r.userId,
      name: r.name,
      email: r.email,
      invitedAt: iso(r.invitedAt)!,
      enrolled: r.enrolledAt !== null,
    })),
  };
}

export const courseInvitationRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/invitations",
      tags: ["learning"],
      security: bearer,
      summary: "Invite students of your organisation to a course (its owner or an admin; inviting again is harmless)",
      request: { params, body: jsonBody(inviteBody) },
      responses: { 200: json(invitationList, "Everyone now invited"), ...pick(400, 401, 403, 404, 413, 415, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const course = await visibleCourse(db, me, c.req.valid("param").id);
      assertCanEdit(me, course);
      const userIds = [...new Set(c.req.valid("json").userIds)];
      const students = await db
        .select({ id: users.id })
        .from(users)
        .where(
          and(
            eq(users.orgId, course.orgId),
            eq(users.role, "student"),
            sql`${users.id} in (select value from json_each(${JSON.stringify(userIds)}))`,
          ),
        );
      const found = new Set(students.map((s) => s.id));
      // The same answer for an unknown id and another organisation's user: nothing about other organisations shows.
      const invalid = c.req
        .valid("json")
        .userIds.flatMap((id, i) => (found.has(id) ? [] : [{ path: ["userIds", i], message: "Not a student of your organisation." }]));
      if (invalid.length) throw validationProblem(invalid, "body");
      const now = new Date();
      const inserts = [];
      for (let i = 0; i < userIds.length; i += ROWS_PER_INSERT) {
        const chunk = userIds.slice(i, i + ROWS_PER_INSERT).map((userId) => ({ courseId: course.id, userId, createdAt: now }));
        inserts.push(db.insert(courseInvitations).values(chunk).onConflictDoNothing());
      }
      const [first, ...rest] = inserts;
      if (first) await db.batch([first, ...rest]);
      return c.json(await invitationsOf(db, course.id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/invitations",
      tags: ["learning"],
      security: bearer,
      summary: "Students invited to a course (its owner or an admin)",
      request: { params },
      responses: { 200: json(invitationList, "Invited students"), ...pick(401, 403, 404, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const course = await visibleCourse(db, me, c.req.valid("param").id);
      assertCanEdit(me, course);
      return c.json(await invitationsOf(db, course.id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}/invitations/{userId}",
      tags: ["learning"],
      security: bearer,
      summary: "Revoke a student's invitation; in an invited-only course their enrolment ends too",
      request: { params: params.extend({ userId: z.string().min(1).max(64) }) },
      responses: { 204: { description: "Revoked" }, ...pick(401, 403, 404, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const { id, userId } = c.req.valid("param");
      const course = await visibleCourse(db, me, id);
      assertCanEdit(me, course);
      const removed = await db
        .delete(courseInvitations)
        .where(and(eq(courseInvitations.courseId, course.id), eq(courseInvitations.userId, userId)))
        .returning({ userId: courseInvitations.userId });
      if (!removed.length) throw new ProblemError("not-found", { detail: "That student is not invited to this course." });
      if (course.visibility === "invited")
        await db.delete(enrolments).where(and(eq(enrolments.courseId, course.id), eq(enrolments.userId, userId)));
      c.executionCtx.waitUntil(recheckSessionAccess(c.env, { kind: "course", courseId: course.id }));
      return c.body(null, 204);
    },
  );
