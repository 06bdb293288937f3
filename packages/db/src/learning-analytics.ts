/**
 * Teachers' figures for a course or a quiz, in plain SQL over indexed tables:
 * enrolments by the primary key (course_id, user_id), attempts by
 * quiz_attempts_quiz_user_idx (quiz_id, user_id), questions by
 * questions_quiz_idx. Only students' submitted attempts count: an owner's or
 * admin's preview attempts are left out. Passing and "stuck" follow
 * `quiz-rules` in @studyhall/core.
 */
import { QUIZ_PASS_SCORE } from "@studyhall/core";
import { type SQL, sql } from "drizzle-orm";
import { instant, jsonMember, jsonValue, msOf, selectAll } from "./dialect.ts";
import type { Db } from "./index.ts";

/** 1 for each row where `condition` holds: a count both stores write alike (SQLite sums booleans, PostgreSQL does not). */
const countWhere = (condition: SQL) => sql`sum(case when ${condition} then 1 else 0 end)`;

/** Counts come back as text from PostgreSQL (bigint), as numbers from D1. */
const numbers = <K extends string>(row: Record<string, unknown>, keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, Number(row[k] ?? 0)])) as Record<K, number>;

export interface QuizFigures {
  quizId: string;
  title: string;
  /** Submitted attempts by students. */
  attempts: number;
  students: number;
  passed: number;
  /** Sum of the scores, so averages over several quizzes stay exact. */
  scoreSum: number;
}

export interface QuestionFigures {
  questionId: string;
  quizId: string;
  position: number;
  prompt: string;
  /** Submitted attempts that had this question; unanswered counts as wrong. */
  attempts: number;
  answered: number;
  correct: number;
}

export interface StuckRow {
  userId: string;
  name: string;
  email: string;
  enrolledAt: number;
  lastActivityAt: number | null;
  /** The most failed attempts at one quiz of the course the student has not passed. */
  failedAttempts: number;
}

/** Quizzes in scope: every quiz of a course, or one quiz. */
export type QuizScope = { courseId: string; quizId?: string };

const quizFilter = (scope: QuizScope): SQL =>
  scope.quizId
    ? sql`select id from quizzes where id = ${scope.quizId} and course_id = ${scope.courseId}`
    : sql`select id from quizzes where course_id = ${scope.courseId}`;

export async function enrolmentCounts(db: Db, courseId: string): Promise<{ enrolled: number; completed: number }> {
  const [row] = await selectAll<Record<string, unknown>>(
    db,
    sql`select count(*) as enrolled, count(completed_at) as completed from enrolments where course_id = ${courseId}`,
  );
  return numbers(row ?? {}, ["enrolled", "completed"]);
}

export async function quizFigures(db: Db, scope: QuizScope): Promise<QuizFigures[]> {
  const rows = await selectAll<Record<string, unknown>>(
    db,
    sql`
    select q.id as "quizId", q.title as "title",
      count(a.id) as "attempts", count(distinct a.user_id) as "students",
      coalesce(${countWhere(sql`a.score >= ${QUIZ_PASS_SCORE}`)}, 0) as "passed", coalesce(sum(a.score), 0) as "scoreSum"
    from quizzes q
    left join (
      select a.id, a.quiz_id, a.user_id, a.score from quiz_attempts a join users u on u.id = a.user_id
      where a.quiz_id in (${quizFilter(scope)}) and a.submitted_at is not null and u.role = 'student'
    ) a on a.quiz_id = q.id
    where q.id in (${quizFilter(scope)})
    group by q.id
    order by q.created_at, q.id`,
  );
  return rows.map((row) => ({
    quizId: String(row.quizId),
    title: String(row.title),
    ...numbers(row, ["attempts", "students", "passed", "scoreSum"]),
  }));
}

/** Each question's correct rate over students' submitted attempts; `limit` keeps the hardest. */
export async function questionFigures(db: Db, scope: QuizScope, limit = 1000): Promise<QuestionFigures[]> {
  // A saved answer is `answers[questionId]`; it is right when it equals the question's answer, as grading decides.
  const given = jsonMember(sql`a.answers`, sql`qq.id`);
  const right = countWhere(sql`${given} = ${jsonValue(sql`qq.answer`)}`);
  const rows = await selectAll<Record<string, unknown>>(
    db,
    sql`
    select qq.id as "questionId", qq.quiz_id as "quizId", qq.position as "position", qq.prompt as "prompt",
      count(a.id) as "attempts",
      coalesce(${countWhere(sql`${given} is not null`)}, 0) as "answered",
      coalesce(${right}, 0) as "correct"
    from questions qq
    left join (
      select a.id, a.quiz_id, a.answers from quiz_attempts a join users u on u.id = a.user_id
      where a.quiz_id in (${quizFilter(scope)}) and a.submitted_at is not null and u.role = 'student'
    ) a on a.quiz_id = qq.quiz_id
    where qq.quiz_id in (${quizFilter(scope)})
    group by qq.id
    order by (case when count(a.id) = 0 then 1 else 0 end),
      cast(coalesce(${right}, 0) as double precision) / (case when count(a.id) > 1 then count(a.id) else 1 end), qq.quiz_id, qq.position
    limit ${limit}`,
  );
  return rows.map((row) => ({
    questionId: String(row.questionId),
    quizId: String(row.quizId),
    prompt: String(row.prompt),
    ...numbers(row, ["position", "attempts", "answered", "correct"]),
  }));
}

export interface StuckRule {
  /** No activity (reading or a submitted attempt) for this many days; null to ignore inactivity. */
  inactiveDays: number | null;
  /** This many failed submitted attempts at one quiz never passed. */
  failedAttempts: number;
  now: number;
}

/**
 * Students who are stuck: enrolled, not finished, and either idle for
 * `inactiveDays` (counted from enrolment if they never did anything) or with
 * `failedAttempts` failed attempts at one quiz in scope they have not passed.
 */
export async function stuckStudents(db: Db, scope: QuizScope, rule: StuckRule): Promise<StuckRow[]> {
  const idleBefore = rule.inactiveDays === null ? null : rule.now - rule.inactiveDays * 86_400_000;
  const rows = await selectAll<Record<string, unknown>>(
    db,
    sql`
    select e.user_id as "userId", u.name as "name", u.email as "email", e.created_at as "enrolledAt",
      e.last_activity_at as "lastActivityAt", coalesce(f.failed, 0) as "failedAttempts"
    from enrolments e
    join users u on u.id = e.user_id
    left join (
      select user_id, max(failed) as failed from (
        select a.user_id, a.quiz_id, ${countWhere(sql`a.score < ${QUIZ_PASS_SCORE}`)} as failed,
          max(case when a.score >= ${QUIZ_PASS_SCORE} then 1 else 0 end) as passed
        from quiz_attempts a
        where a.quiz_id in (${quizFilter(scope)}) and a.submitted_at is not null
        group by a.user_id, a.quiz_id
      ) as per_quiz where passed = 0 group by user_id
    ) f on f.user_id = e.user_id
    where e.course_id = ${scope.courseId} and e.completed_at is null
      and ((${instant(idleBefore)} is not null and coalesce(e.last_activity_at, e.created_at) < ${instant(idleBefore)})
        or coalesce(f.failed, 0) >= ${rule.failedAttempts})
    order by coalesce(e.last_activity_at, e.created_at), e.user_id
    limit 500`,
  );
  return rows.map((row) => ({
    userId: String(row.userId),
    name: String(row.name),
    email: String(row.email),
    enrolledAt: msOf(row.enrolledAt)!,
    lastActivityAt: msOf(row.lastActivityAt),
    failedAttempts: Number(row.failedAttempts),
  }));
}
