/**
 * The organisation's invitations: issuing one with a role (its code shown
 * once), listing the open ones and revoking one. Admins manage every
 * invitation; teachers invite students and manage student invitations and their own.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createInvitation, openInvitations, revokeInvitation } from "@studyhall/auth";
import { emailSchema, INVITATION_MAX_TTL_SECONDS, roleSchema } from "@studyhall/core";
import { currentUser, requireRole } from "../../middleware/auth.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "../openapi.ts";
import { iso } from "../views.ts";

const invitationSchema = z
  .object({
    id: z.string(),
    role: roleSchema,
    email: z.string().nullable(),
    expiresAt: z.string(),
    createdAt: z.string(),
  })
  .openapi("Invitation");
const createdInvitation = invitationSchema.extend({ code: z.string() }).openapi("CreatedInvitation");

const invitationBody = z
  .object({
    role: roleSchema,
    email: emailSchema.optional(),
    expiresInSeconds: z.number().int().min(60).max(INVITATION_MAX_TTL_SECONDS).optional(),
  })
  .openapi("InvitationRequest");

const invitationView = (row: { id: string; role: z.infer<typeof roleSchema>; email: string | null; expiresAt: Date; createdAt: Date }) => ({
  id: row.id,
  role: row.role,
  email: row.email,
  expiresAt: iso(row.expiresAt)!,
  createdAt: iso(row.createdAt)!,
});

const router = newRouter();
router.use("/invitations", requireRole("admin", "teacher"));
router.use("/invitations/*", requireRole("admin", "teacher"));

export const invitationRoutes = router
  .openapi(
    createRoute({
      method: "post",
      path: "/invitations",
      tags: ["organisation"],
      security: bearer,
      summary: "Invite someone with a role (admins: any role; teachers: students). The code is shown only here.",
      request: { body: jsonBody(invitationBody) },
      responses: { 201: json(createdInvitation, "The invitation and its one-time code"), ...pick(400, 401, 403, 413, 415, 429) },
    }),
    async (c) => {
      const created = await createInvitation(c.get("db"), c.get("config"), currentUser(c), c.req.valid("json"));
      return c.json({ ...invitationView(created), code: created.code }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/invitations",
      tags: ["organisation"],
      security: bearer,
      summary: "Open invitations you manage (admins: all of the organisation's; teachers: student invitations and their own)",
      responses: { 200: json(z.object({ items: z.array(invitationSchema) }), "Open invitations"), ...pick(401, 403, 429) },
    }),
    async (c) => c.json({ items: (await openInvitations(c.get("db"), currentUser(c))).map(invitationView) }, 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/invitations/{id}",
      tags: ["organisation"],
      security: bearer,
      summary: "Revoke an open invitation you manage (another's teacher or admin invitation is a 404 to a teacher)",
      request: { params: idParam },
      responses: { 204: { description: "Revoked" }, ...pick(401, 403, 404, 429) },
    }),
    async (c) => {
      await revokeInvitation(c.get("db"), currentUser(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
