import { pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { createdAt } from "./columns.ts";
import { courses } from "./courses.ts";
import { userRef } from "./references.ts";

/** Students invited to a course published to invited students only. */
export const courseInvitations = pgTable(
  "course_invitations",
  {
    courseId: text("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    userId: userRef("user_id"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.courseId, t.userId] })],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/course-invitations.ts";
