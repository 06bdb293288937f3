/**
 * The caller's organisation: invitations, and its members (listing them,
 * changing a role, removing a member and handing what they owned to another
 * teacher). Admins manage every invitation and member; teachers see the
 * members and manage student invitations.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { changeMemberRole, createInvitation, managedInvitations, openInvitations, removeMember } from "@studyhall/auth";
import { emailSchema, forbidden, INVITATION_MAX_TTL_SECONDS, notFound, roleSchema, userSchema } from "@studyhall/core";
import { invitations, transferOwnership, type User, users } from "@studyhall/db";
import { recheckSessionAccess } from "@studyhall/objects";
import { and, asc, eq, isNull } from "drizzle-orm";
import { currentUser, requireRole } from "../middleware/auth.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "./openapi.ts";
import { iso, userView } from "./views.ts";

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

/** A member as admins and teachers see them; `removedAt` is set only in an admin's list of removed members. */
const memberSchema = userSchema.extend({ removedAt: z.string().nullable() }).openapi("Member");
const memberView = (user: User) => ({ ...userView(user), removedAt: iso(user.removedAt) });

const transferSchema = z
  .object({
    courses: z.number().int(),
    documents: z.number().int(),
    sessions: z.number().int(),
    questions: z.number().int(),
    exports: z.number().int(),
    documentsKept: z.number().int(),
  })
  .openapi("OwnershipTransfer");

const memberQuery = z.object({
  role: roleSchema.optional(),
  /** Admins only: also list members who were removed. */
  includeRemoved: z.enum(["true", "false"]).default("false"),
});

const router = newRouter();
router.use("/invitations", requireRole("admin", "teacher"));
router.use("/invitations/*", requireRole("admin", "teacher"));
// Only the list itself: "/members/*" would match "/members" too, and each route below it names its own role.
router.use("/members", requireRole("admin", "teacher"));

export const orgRoutes = router
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
      const me = currentUser(c);
      const revoked = await c
        .get("db")
        .update(invitations)
        .set({ revokedAt: new Date() })
        .where(
          and(
            eq(invitations.id, c.req.valid("param").id),
            managedInvitations(me),
            isNull(invitations.usedAt),
            isNull(invitations.revokedAt),
          ),
        )
        .returning({ id: invitations.id });
      if (revoked.length === 0) throw notFound("open invitation");
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/members",
      tags: ["organisation"],
      security: bearer,
      summary: "Members of your organisation (admins and teachers); admins may add removed members with includeRemoved=true",
      request: { query: memberQuery },
      responses: { 200: json(z.object({ items: z.array(memberSchema) }), "Members"), ...pick(400, 401, 403, 429) },
    }),
    async (c) => {
      const me = currentUser(c);
      const { role, includeRemoved } = c.req.valid("query");
      if (includeRemoved === "true" && me.role !== "admin") throw forbidden("Only admins see removed members.");
      const rows = await c
        .get("db")
        .select()
        .from(users)
        .where(
          and(
            eq(users.orgId, me.orgId),
            role ? eq(users.role, role) : undefined,
            includeRemoved === "true" ? undefined : isNull(users.removedAt),
          ),
        )
        .orderBy(asc(users.createdAt));
      return c.json({ items: rows.map(memberView) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/members/{id}",
      tags: ["organisation"],
      security: bearer,
      middleware: [requireRole("admin")] as const,
      summary: "Change a member's role (admins only; the last admin stays admin). It applies from the member's next request",
      request: { params: idParam, body: jsonBody(z.object({ role: roleSchema }).openapi("RoleChange")) },
      responses: { 200: json(userSchema, "The member with the new role"), ...pick(400, 401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const me = currentUser(c);
      const updated = await changeMemberRole(c.get("db"), me, c.req.valid("param").id, c.req.valid("json").role);
      // A new role sees other sessions: the organisation's open rooms re-check who may stay.
      c.executionCtx.waitUntil(recheckSessionAccess(c.env, { kind: "organisation", orgId: me.orgId }));
      return c.json(userView(updated), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/members/{id}",
      tags: ["organisation"],
      security: bearer,
      middleware: [requireRole("admin")] as const,
      summary: "Remove a member (admins only; the last admin stays): their tokens stop working at once, what they owned stays",
      request: { params: idParam },
      responses: { 204: { description: "Removed" }, ...pick(401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const me = currentUser(c);
      await removeMember(c.get("db"), me, c.req.valid("param").id);
      // The removed member's sockets close at once: the organisation's open rooms re-check who may stay.
      c.executionCtx.waitUntil(recheckSessionAccess(c.env, { kind: "organisation", orgId: me.orgId }));
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/members/{id}/transfer",
      tags: ["organisation"],
      security: bearer,
      middleware: [requireRole("admin")] as const,
      summary:
        "Hand everything a member owns (courses, documents, sessions, practice questions, exports) to another teacher or admin, in one step",
      request: { params: idParam, body: jsonBody(z.object({ toUserId: z.string().min(1).max(64) }).openapi("OwnershipTransferRequest")) },
      responses: { 200: json(transferSchema, "How much moved"), ...pick(400, 401, 403, 404, 413, 415, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const { id } = c.req.valid("param");
      // Removed members too: handing over what they left behind is the point.
      const member = await db.query.users.findFirst({ where: and(eq(users.id, id), eq(users.orgId, me.orgId)), columns: { id: true } });
      if (!member) throw notFound("member");
      return c.json(await transferOwnership(db, me.orgId, member.id, c.req.valid("json").toUserId), 200);
    },
  );
