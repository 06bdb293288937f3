/**
 * Invited students of a course published with `visibility: "invited"`: its
 * owner or an admin invites students of the organisation, lists and revokes
 * them. Revoking ends access at once, live sessions included: the course's
 * open rooms re-check who may stay.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { type CourseInvitationList, courseInvitationList, inviteStudents, revokeCourseInvitation } from "@studyhall/db";
import { recheckSessionAccess } from "@studyhall/objects";
import { validationProblem } from "../../errors.ts";
import { currentUser } from "../../middleware/auth.ts";
import { bearer, json, jsonBody, newRouter, pick } from "../openapi.ts";
import { iso } from "../views.ts";

const invitedSchema = z
  .object({ userId: z.string(), name: z.string(), email: z.string(), invitedAt: z.string(), enrolled: z.boolean() })
  .openapi("CourseInvitation");
const invitationList = z.object({ courseId: z.string(), items: z.array(invitedSchema) });
const inviteBody = z.object({ userIds: z.array(z.string().min(1).max(64)).min(1).max(100) }).openapi("CourseInvitationRequest");
const params = z.object({ id: z.string().min(1).max(64) });

const invitationListView = (list: CourseInvitationList): z.infer<typeof invitationList> => ({
  courseId: list.courseId,
  items: list.items.map((i) => ({ ...i, invitedAt: iso(i.invitedAt)! })),
});

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
      const result = await inviteStudents(c.get("db"), currentUser(c), c.req.valid("param").id, c.req.valid("json").userIds);
      if ("invalid" in result) throw validationProblem(result.invalid, "body");
      return c.json(invitationListView(result), 200);
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
    async (c) => c.json(invitationListView(await courseInvitationList(c.get("db"), currentUser(c), c.req.valid("param").id)), 200),
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
      const { id, userId } = c.req.valid("param");
      const course = await revokeCourseInvitation(c.get("db"), currentUser(c), id, userId);
      c.executionCtx.waitUntil(recheckSessionAccess(c.env, { kind: "course", courseId: course.id }));
      return c.body(null, 204);
    },
  );
