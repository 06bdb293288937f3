/**
 * Who may see and join which live session. Everything is scoped to the
 * caller's organisation. Admins see every session; the teacher who opened a
 * session sees it; a tutoring session is also its student's; a study room is
 * also everyone's who can see its course (so students only once the course is
 * published). A session outside that set answers 404: its existence is not
 * shown. Moderating (deleting messages, muting, closing) and reports are for
 * the teacher who opened it, while still a teacher, and admins.
 */
import { and, eq, or, sql, type SQL } from "drizzle-orm";
import { ProblemError } from "@studyhall/core";
import type { Viewer } from "./course-access";
import { holdsOwnerPowers, visibleCourses } from "./course-access";
import { courses } from "./schema/courses";
import { sessions, type Session } from "./schema/sessions";

/** The WHERE clause of the sessions a viewer may see and join. */
export function visibleSessions(viewer: Viewer): SQL {
  const inOrg = eq(sessions.orgId, viewer.orgId);
  if (viewer.role === "admin") return inOrg;
  const courseVisible = sql`${sessions.courseId} in (select ${courses.id} from ${courses} where ${visibleCourses(viewer)})`;
  return and(
    inOrg,
    or(
      // Who opened a session sees it only while they teach: a demoted teacher sees what a student would.
      viewer.role === "teacher" ? eq(sessions.createdBy, viewer.id) : undefined,
      and(eq(sessions.kind, "tutoring"), eq(sessions.studentId, viewer.id)),
      and(eq(sessions.kind, "study-room"), courseVisible),
    ),
  )!;
}

/** Whether a viewer may moderate a visible session: the teacher who opened it (still a teacher), or an admin. */
export function assertCanModerate(viewer: Viewer, session: Session): void {
  if (session.orgId === viewer.orgId && (viewer.role === "admin" || holdsOwnerPowers(viewer, session.createdBy))) return;
  throw new ProblemError("forbidden", { detail: "Only the teacher who opened this session or an admin can moderate it." });
}
