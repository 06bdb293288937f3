/**
 * The studyhall account behind a trusted identity provider's token: the one
 * linked to its subject, or, at its first sign-in, the account with the same
 * verified email in an organisation that opted in to linking by email.
 */
import { type Db, organisations, type User, users } from "@studyhall/db";
import { and, eq, inArray, isNull } from "drizzle-orm";

export interface ExternalIdentity {
  issuer: string;
  subject: string;
  email?: string;
  emailVerified: boolean;
}

/** The linked account, linking it on first sign-in where allowed; undefined when no account may be used. */
export async function accountOfIdentity(db: Db, identity: ExternalIdentity): Promise<User | undefined> {
  const subject = `${identity.issuer}|${identity.subject}`;
  const linked = await db.query.users.findFirst({ where: eq(users.externalSubject, subject) });
  if (linked) return linked;
  // First sign-in through the provider: link to the account with the same verified email, but only where its
  // organisation opted in. The email claim is as good as the provider's verification, which is the
  // organisation's call to trust; without it, anyone the provider lets claim an address would get that account.
  if (!identity.email || !identity.emailVerified) return undefined;
  const [claimed] = await db
    .update(users)
    .set({ externalSubject: subject })
    .where(
      and(
        eq(users.email, identity.email),
        isNull(users.externalSubject),
        isNull(users.removedAt),
        inArray(users.orgId, db.select({ id: organisations.id }).from(organisations).where(eq(organisations.linkExternalByEmail, true))),
      ),
    )
    .returning();
  return claimed;
}
