/**
 * A student's progress through a course: lessons read, quizzes passed, last
 * activity and completion. Recording is written as single conditional
 * statements, so a read by someone not enrolled, or of a lesson of another
 * course, records nothing, and two reads at once cannot double-count.
 */
import { QUIZ_PASS_SCORE } from "@studyhall/core";
import { type SQL, sql } from "drizzle-orm";
import { execute, instant, msOf, selectAll } from "./dialect.ts";
import type { Db } from "./index.ts";

/**
 * Marks the course complete for a student once every lesson is read and every
 * quiz with questions is passed. Completion is kept once reached, even if the
 * teacher adds lessons later.
 */
export function completionStatement(db: Db, userId: string, courseId: string, now: number) {
  return execute(
    db,
    sql`
    update enrolments set completed_at = ${instant(now)}
    where course_id = ${courseId} and user_id = ${userId} and completed_at is null
      and exists (select 1 from lessons where course_id = ${courseId})
      and not exists (
        select 1 from lessons l where l.course_id = ${courseId}
          and not exists (select 1 from lesson_progress p where p.user_id = ${userId} and p.lesson_id = l.id))
      and not exists (
        select 1 from quizzes q where q.course_id = ${courseId}
          and exists (select 1 from questions qq where qq.quiz_id = q.id)
          and not exists (
            select 1 from quiz_attempts a where a.quiz_id = q.id and a.user_id = ${userId}
              and a.submitted_at is not null and a.score >= ${QUIZ_PASS_SCORE}))`,
  );
}

/** Notes activity on an enrolment (no-op for someone not enrolled). */
export function activityStatement(db: Db, userId: string, courseId: string, now: number) {
  return execute(db, sql`update enrolments set last_activity_at = ${instant(now)} where course_id = ${courseId} and user_id = ${userId}`);
}

/**
 * Records that an enrolled student read a lesson: the activity, the read
 * (once) and, when it was the last thing missing, the completion. For someone
 * not enrolled it stops after one statement that changed nothing.
 */
export async function recordLessonRead(db: Db, userId: string, courseId: string, lessonId: string, now = Date.now()): Promise<void> {
  // Statements in turn rather than one batch: drizzle cannot batch raw SQL with parameters on D1,
  // and each is safe on its own (the completion check reads what the insert wrote).
  const active = await activityStatement(db, userId, courseId, now);
  if (!active) return;
  const read = await execute(
    db,
    sql`
    insert into lesson_progress (user_id, lesson_id, course_id, created_at)
    select ${userId}, l.id, l.course_id, ${instant(now)} from lessons l
    join enrolments e on e.course_id = l.course_id and e.user_id = ${userId}
    where l.id = ${lessonId} and l.course_id = ${courseId} and l.version > 0
    on conflict do nothing`,
  );
  // Only a first read can complete the course; a submitted attempt checks for itself.
  if (read) await completionStatement(db, userId, courseId, now);
}

/** After a submitted attempt: activity, and completion if that was the last quiz. */
export async function recordQuizActivity(db: Db, userId: string, courseId: string, now = Date.now()): Promise<void> {
  await activityStatement(db, userId, courseId, now);
  await completionStatement(db, userId, courseId, now);
}

export interface ProgressRow {
  courseId: string;
  userId: string;
  enrolledAt: number;
  completedAt: number | null;
  lastActivityAt: number | null;
  lessonsTotal: number;
  lessonsRead: number;
  quizzesTotal: number;
  quizzesPassed: number;
}

/**
 * Enrolments with their progress, for one student's courses or one course's
 * students. `where` filters the enrolments (aliased `e`) and may use the
 * `courses` table (joined unaliased, so `visibleCourses` applies as it is).
 */
export async function enrolmentProgress(db: Db, where: SQL, limit = 500, offset = 0): Promise<ProgressRow[]> {
  const rows = await selectAll<Record<keyof ProgressRow, unknown>>(
    db,
    sql`
    select e.course_id as "courseId", e.user_id as "userId", e.created_at as "enrolledAt",
      e.completed_at as "completedAt", e.last_activity_at as "lastActivityAt",
      (select count(*) from lessons l where l.course_id = e.course_id) as "lessonsTotal",
      (select count(*) from lesson_progress p where p.course_id = e.course_id and p.user_id = e.user_id) as "lessonsRead",
      (select count(*) from quizzes q where q.course_id = e.course_id and exists (select 1 from questions qq where qq.quiz_id = q.id)) as "quizzesTotal",
      (select count(distinct a.quiz_id) from quiz_attempts a join quizzes q on q.id = a.quiz_id
        where q.course_id = e.course_id and a.user_id = e.user_id and a.submitted_at is not null and a.score >= ${QUIZ_PASS_SCORE}) as "quizzesPassed"
    from enrolments e join courses on courses.id = e.course_id
    where ${where}
    order by coalesce(e.last_activity_at, e.created_at) desc
    limit ${limit} offset ${offset}`,
  );
  // Times and counts come back in each store's own form (see dialect.ts).
  return rows.map((row) => ({
    courseId: String(row.courseId),
    userId: String(row.userId),
    enrolledAt: msOf(row.enrolledAt)!,
    completedAt: msOf(row.completedAt),
    lastActivityAt: msOf(row.lastActivityAt),
    lessonsTotal: Number(row.lessonsTotal),
    lessonsRead: Number(row.lessonsRead),
    quizzesTotal: Number(row.quizzesTotal),
    quizzesPassed: Number(row.quizzesPassed),
  }));
}

/** The progress figures a client sees for one enrolment. */
export function progressView(row: ProgressRow) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    enrolledAt: iso(row.enrolledAt)!,
    lessonsRead: row.lessonsRead,
    lessonsTotal: row.lessonsTotal,
    percent: row.lessonsTotal ? Math.round((row.lessonsRead / row.lessonsTotal) * 100) : 0,
    quizzesPassed: row.quizzesPassed,
    quizzesTotal: row.quizzesTotal,
    lastActivityAt: iso(row.lastActivityAt),
    completed: row.completedAt !== null,
    completedAt: iso(row.completedAt),
  };
}
