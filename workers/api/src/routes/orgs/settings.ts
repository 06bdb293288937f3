/**
 * The organisation's settings, for its admins: whether a first sign-in through
 * the external identity provider may link to an existing account by its
 * verified email (off unless an admin turns it on).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { changeOrganisationSettings, organisationSettings } from "@studyhall/db";
import { currentUser, requireRole } from "../../middleware/auth.ts";
import { bearer, json, jsonBody, newRouter, pick } from "../openapi.ts";

const settingsSchema = z
  .object({
    linkExternalByEmail: z
      .boolean()
      .describe(
        "link a first sign-in through the identity provider to the account with the same verified email; turning it off unlinks every linked identity",
      ),
  })
  .openapi("OrganisationSettings");

const settingsPatch = settingsSchema.partial().strict().openapi("OrganisationSettingsPatch");

const router = newRouter();
router.use("/settings", requireRole("admin"));

export const settingsRoutes = router
  .openapi(
    createRoute({
      method: "get",
      path: "/settings",
      tags: ["organisation"],
      security: bearer,
      summary: "Your organisation's settings (admins only)",
      responses: { 200: json(settingsSchema, "The settings"), ...pick(401, 403, 429) },
    }),
    async (c) => c.json(await organisationSettings(c.get("db"), currentUser(c).orgId), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/settings",
      tags: ["organisation"],
      security: bearer,
      summary: "Change your organisation's settings (admins only)",
      request: { body: jsonBody(settingsPatch) },
      responses: { 200: json(settingsSchema, "The settings as they are now"), ...pick(400, 401, 403, 413, 415, 429) },
    }),
    async (c) => c.json(await changeOrganisationSettings(c.get("db"), currentUser(c).orgId, c.req.valid("json")), 200),
  );
