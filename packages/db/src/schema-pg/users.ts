import type { Role } from "@studyhall/core";
import { index, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, id, timestamp, updatedAt } from "./columns.ts";
import { organisations } from "./organisations.ts";

/** A person with one role in one organisation. Emails are unique platform-wide. */
export const users = pgTable(
  "users",
  {
    id: id(),
    orgId: text("org_id")
      .notNull()
      .references(() => organisations.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: text("role").$type<Role>().notNull(),
    /** `pbkdf2-sha256$iterations$salt$hash`; null for accounts that only sign in through the identity provider. */
    passwordHash: text("password_hash"),
    /** `issuer|subject` of a linked external identity. */
    externalSubject: text("external_subject"),
    /**
     * When an admin removed the member from the organisation: the account can no longer sign in or act, and
     * what it owned stays with the organisation. The row stays so that history (attempts, messages) keeps its author.
     */
    removedAt: timestamp("removed_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("users_email_unique").on(t.email),
    uniqueIndex("users_external_subject_unique").on(t.externalSubject),
    index("users_org_role_idx").on(t.orgId, t.role),
  ],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/users.ts";
