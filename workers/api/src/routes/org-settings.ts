/**
 * The organisation's settings, for its admins: whether a first sign-in through
 * the external identity provider may link to an existing account by its
 * verified email (off unless an admin turns it on).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { type Db, organisations, users } from "@studyhall/db";
import { and, eq, isNotNull } from "drizzle-orm";
import { currentUser, requireRole } from "../middleware/auth.ts";
import { bearer, json, jsonBody, newRouter, pick } from "./openapi.ts";

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

async function settingsOf(db: Db, orgId: string): Promise<z.infer<typeof settingsSchema>> {
  const org = await db.query.organisations.findFirst({ columns: { linkExternalByEmail: true }, where: eq(organisations.id, orgId) });
  return { linkExternalByEmail: org?.linkExternalByEmail ?? false };
}

const router = newRouter();
router.use("/settings", requireRole("admin"));

export const orgSettingsRoutes = router
  .openapi(
    createRoute({
      method: "get",
      path: "/settings",
      tags: ["organisation"],
      security: bearer,
      summary: "Your organisation's settings (admins only)",
      responses: { 200: json(settingsSchema, "The settings"), ...pick(401, 403, 429) },
    }),
    async (c) => c.json(await settingsOf(c.get("db"), currentUser(c).orgId), 200),
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
    async (c) => {
      const db = c.get("db");
      const { orgId } = currentUser(c);
      const { linkExternalByEmail } = c.req.valid("json");
      if (linkExternalByEmail === true) await db.update(organisations).set({ linkExternalByEmail }).where(eq(organisations.id, orgId));
      if (linkExternalByEmail === false) {
        // Withdrawing trust in the provider's emails takes effect at once: identities linked through it stop
        // working now (one transaction with the setting), and may link again only once an admin allows it.
        await db.batch([
          db.update(organisations).set({ linkExternalByEmail }).where(eq(organisations.id, orgId)),
          db
            .update(users)
            .set({ externalSubject: null })
            .where(and(eq(users.orgId, orgId), isNotNull(users.externalSubject))),
        ]);
      }
      return c.json(await settingsOf(db, orgId), 200);
    },
  );
