/**
 * The organisation's members: listing them (admins and teachers), changing a
 * role, removing a member and handing what they owned to another teacher
 * (admins). A change to who is who makes the organisation's open session rooms
 * re-check who may stay.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { changeMemberRole, listMembers, removeMember, transferMember } from "@studyhall/auth";
import { roleSchema, userSchema } from "@studyhall/core";
import type { User } from "@studyhall/db";
import { recheckSessionAccess } from "@studyhall/objects";
import { currentUser, requireRole } from "../../middleware/auth.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "../openapi.ts";
import { iso, userView } from "../views.ts";

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
// Only the list itself: "/members/*" would match "/members" too, and each route below it names its own role.
router.use("/members", requireRole("admin", "teacher"));

export const memberRoutes = router
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
      const { role, includeRemoved } = c.req.valid("query");
      const rows = await listMembers(c.get("db"), currentUser(c), { role, includeRemoved: includeRemoved === "true" });
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
    async (c) => c.json(await transferMember(c.get("db"), currentUser(c), c.req.valid("param").id, c.req.valid("json").toUserId), 200),
  );
