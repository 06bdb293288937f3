/** The caller's organisation: invitations and members. */
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, isNull } from "drizzle-orm";
import { ProblemError, emailSchema, notFound, roleSchema, userSchema } from "@studyhall/core";
import { createInvitation, openInvitations } from "@studyhall/auth";
import { invitations, users } from "@studyhall/db";
import { currentUser, requireRole } from "../middleware/auth";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "./openapi";
import { iso, userView } from "./views";

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
    expiresInSeconds: z.number().int().min(60).max(90 * 24 * 3600).optional(),
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
router.use("/members", requireRole("admin", "teacher"));
router.use("/members/*", requireRole("admin"));

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
      summary: "Open invitations of your organisation",
      responses: { 200: json(z.object({ items: z.array(invitationSchema) }), "Open invitations"), ...pick(401, 403, 429) },
    }),
    async (c) => c.json({ items: (await openInvitations(c.get("db"), currentUser(c).orgId)).map(invitationView) }, 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/invitations/{id}",
      tags: ["organisation"],
      security: bearer,
      summary: "Revoke an open invitation",
      request: { params: idParam },
      responses: { 204: { description: "Revoked" }, ...pick(401, 403, 404, 429) },
    }),
    async (c) => {
      const me = currentUser(c);
      const revoked = await c
        .get("db")
        .update(invitations)
        .set({ revokedAt: new Date() })
        .where(and(eq(invitations.id, c.req.valid("param").id), eq(invitations.orgId, me.orgId), isNull(invitations.usedAt), isNull(invitations.revokedAt)))
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
      summary: "Members of your organisation",
      request: { query: z.object({ role: roleSchema.optional() }) },
      responses: { 200: json(z.object({ items: z.array(userSchema) }), "Members"), ...pick(401, 403, 429) },
    }),
    async (c) => {
      const me = currentUser(c);
      const { role } = c.req.valid("query");
      const rows = await c
        .get("db")
        .select()
        .from(users)
        .where(and(eq(users.orgId, me.orgId), role ? eq(users.role, role) : undefined))
        .orderBy(asc(users.createdAt));
      return c.json({ items: rows.map(userView) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/members/{id}",
      tags: ["organisation"],
      security: bearer,
      summary: "Change a member's role (admins only; the last admin stays admin)",
      request: { params: idParam, body: jsonBody(z.object({ role: roleSchema }).openapi("RoleChange")) },
      responses: { 200: json(userSchema, "The member with the new role"), ...pick(400, 401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const { id } = c.req.valid("param");
      const { role } = c.req.valid("json");
      const member = await db.query.users.findFirst({ where: and(eq(users.id, id), eq(users.orgId, me.orgId)) });
      if (!member) throw notFound("member");
      if (member.role === "admin" && role !== "admin") {
        const admins = await db.$count(users, and(eq(users.orgId, me.orgId), eq(users.role, "admin")));
        if (admins <= 1) throw new ProblemError("conflict", { detail: "An organisation keeps at least one admin." });
      }
      const [updated] = await db.update(users).set({ role }).where(eq(users.id, member.id)).returning();
      return c.json(userView(updated!), 200);
    },
  );
