import { boolean, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, id } from "./columns.ts";

/** A school, company or team: the boundary no data crosses. */
export const organisations = pgTable("organisations", {
  id: id(),
  name: text("name").notNull(),
  /**
   * Whether a first sign-in through the external identity provider may link to an existing account of this
   * organisation by its verified email. Off unless an admin turns it on: an identity provider's email claim
   * is only as trustworthy as that provider's verification.
   */
  linkExternalByEmail: boolean("link_external_by_email").notNull().default(false),
  createdAt: createdAt(),
});

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/organisations.ts";
