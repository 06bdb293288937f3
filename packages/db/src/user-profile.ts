/** The signed-in member as they see themselves: their account and their organisation. */
import { eq } from "drizzle-orm";
import type { Viewer } from "./course-access.ts";
import type { Db } from "./index.ts";
import { type Organisation, organisations, type User, users } from "./tables.ts";

/**
 * The viewer's account and organisation, read together. Both exist for anyone the token middleware let in.
 * @example const { user, organisation } = await profile(db, me);
 */
export async function profile(db: Db, viewer: Viewer): Promise<{ user: User; organisation: Organisation }> {
  const [user, organisation] = await Promise.all([
    db.query.users.findFirst({ where: eq(users.id, viewer.id) }),
    db.query.organisations.findFirst({ where: eq(organisations.id, viewer.orgId) }),
  ]);
  return { user: user!, organisation: organisation! };
}
