/**
 * An organisation's own settings, changed by its admins. Today one:
 * whether a first sign-in through the external identity provider may link to
 * an existing account by its verified email (off unless an admin turns it on).
 */
import { and, eq, isNotNull } from "drizzle-orm";
import type { Db } from "./index.ts";
import { organisations, users } from "./tables.ts";
import { together } from "./write-together.ts";

export interface OrganisationSettings {
  linkExternalByEmail: boolean;
}

/** The organisation's settings, with the defaults for any it never set. */
export async function organisationSettings(db: Db, orgId: string): Promise<OrganisationSettings> {
  const org = await db.query.organisations.findFirst({ columns: { linkExternalByEmail: true }, where: eq(organisations.id, orgId) });
  return { linkExternalByEmail: org?.linkExternalByEmail ?? false };
}

/**
 * Changes the settings given and returns them all as they are now.
 * @example await changeOrganisationSettings(db, me.orgId, { linkExternalByEmail: false }) // unlinks every linked identity
 */
export async function changeOrganisationSettings(
  db: Db,
  orgId: string,
  patch: Partial<OrganisationSettings>,
): Promise<OrganisationSettings> {
  const { linkExternalByEmail } = patch;
  if (linkExternalByEmail === true) await db.update(organisations).set({ linkExternalByEmail }).where(eq(organisations.id, orgId));
  if (linkExternalByEmail === false) {
    // Withdrawing trust in the provider's emails takes effect at once: identities linked through it stop
    // working now (one transaction with the setting), and may link again only once an admin allows it.
    await together(db, (tx) => [
      tx.update(organisations).set({ linkExternalByEmail }).where(eq(organisations.id, orgId)),
      tx
        .update(users)
        .set({ externalSubject: null })
        .where(and(eq(users.orgId, orgId), isNotNull(users.externalSubject))),
    ]);
  }
  return organisationSettings(db, orgId);
}
