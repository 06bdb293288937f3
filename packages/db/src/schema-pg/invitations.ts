import type { Role } from "@studyhall/core";
import { index, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, id, timestamp } from "./columns.ts";
import { orgRef, userRef } from "./references.ts";

/** A single-use code that lets someone join an organisation with a given role. Only its hash is kept. */
export const invitations = pgTable(
  "invitations",
  {
    id: id(),
    orgId: orgRef(),
    codeHash: text("code_hash").notNull(),
    role: text("role").$type<Role>().notNull(),
    /** When set, only this email may use the invitation. */
    email: text("email"),
    createdBy: userRef("created_by"),
    expiresAt: timestamp("expires_at").notNull(),
    usedAt: timestamp("used_at"),
    usedBy: text("used_by"),
    revokedAt: timestamp("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("invitations_code_hash_unique").on(t.codeHash), index("invitations_org_idx").on(t.orgId, t.createdAt)],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/invitations.ts";
