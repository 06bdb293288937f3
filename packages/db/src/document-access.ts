/**
 * Whose documents a member may read from. A document is its owner's and the
 * admins'; anyone else reaches its text only through a course made from it
 * that they can see. Work that reads passages on someone's behalf (practice
 * questions from a topic, the tutor, reports) uses these rules with the
 * member's *current* row, so a role change or a removal counts at once.
 */
import { and, eq, isNull, or, type SQL, sql } from "drizzle-orm";
import { type Viewer, visibleCourses } from "./course-access.ts";
import type { Db } from "./index.ts";
import { courses, documents, users } from "./tables.ts";

/** The WHERE clause of the documents a viewer may read passages of. */
export function readableDocuments(viewer: Viewer): SQL {
  const inOrg = eq(documents.orgId, viewer.orgId);
  if (viewer.role === "admin") return inOrg;
  const behindVisibleCourse = sql`${documents.id} in (select ${courses.documentId} from ${courses} where ${visibleCourses(viewer)})`;
  // A document's owner keeps reading it only while they may upload (teachers); as anything else, only what a course shows them.
  return and(inOrg, viewer.role === "teacher" ? or(eq(documents.ownerId, viewer.id), behindVisibleCourse) : behindVisibleCourse)!;
}

/**
 * A member as they are now: their current role and organisation, or
 * undefined once they are gone or removed. A job acts for its owner with the
 * owner's powers at the time it runs, not when it was asked for.
 */
export async function currentViewer(db: Db, userId: string): Promise<Viewer | undefined> {
  const [row] = await db
    .select({ id: users.id, orgId: users.orgId, role: users.role })
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.removedAt)));
  return row;
}

/** Whether a viewer sees a course now (the rules of `visibleCourses`). */
export async function seesCourse(db: Db, viewer: Viewer, courseId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: courses.id })
    .from(courses)
    .where(and(eq(courses.id, courseId), visibleCourses(viewer)));
  return row !== undefined;
}
