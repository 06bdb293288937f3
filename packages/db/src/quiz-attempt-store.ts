/**
 * Quiz attempts: starting one within the quiz's attempt limit (with its own
 * shuffled layout), saving answers before submission and the deadline,
 * grading on submit, and whether the right answers may be shown. Each change
 * is a conditional statement, so two requests at once cannot pass the attempt
 * limit, save after the deadline or grade twice.
 */

import { type AnswersPatch, answersRevealed, type Grade, gradeAnswers, notFound, ProblemError, shuffleLayout } from "@studyhall/core";
import { and, asc, eq, sql } from "drizzle-orm";
import { canEditCourse, type Viewer, visibleCourses } from "./course-access.ts";
import { execute, instant, jsonMerge, jsonParam, oneAtATime } from "./dialect.ts";
import type { Db } from "./index.ts";
import { type Course, courses, type Question, type Quiz, type QuizAttempt, questions, quizAttempts, quizzes } from "./tables.ts";

/** A quiz whose course the viewer can see; 404 otherwise. */
export async function visibleQuiz(db: Db, viewer: Viewer, quizId: string): Promise<{ quiz: Quiz; course: Course }> {
  const [row] = await db
    .select({ quiz: quizzes, course: courses })
    .from(quizzes)
    .innerJoin(courses, eq(courses.id, quizzes.courseId))
    .where(and(eq(quizzes.id, quizId), visibleCourses(viewer)));
  if (!row) throw notFound("quiz");
  return row;
}

/** An attempt with its quiz and course, if the course is visible to the viewer; 404 otherwise. */
export async function visibleAttempt(
  db: Db,
  viewer: Viewer,
  attemptId: string,
): Promise<{ attempt: QuizAttempt; quiz: Quiz; course: Course }> {
  const [row] = await db
    .select({ attempt: quizAttempts, quiz: quizzes, course: courses })
    .from(quizAttempts)
    .innerJoin(quizzes, eq(quizzes.id, quizAttempts.quizId))
    .innerJoin(courses, eq(courses.id, quizzes.courseId))
    .where(and(eq(quizAttempts.id, attemptId), visibleCourses(viewer)));
  if (!row) throw notFound("attempt");
  return row;
}

export async function quizQuestions(db: Db, quizId: string): Promise<Question[]> {
  return db.select().from(questions).where(eq(questions.quizId, quizId)).orderBy(asc(questions.position));
}

/** Attempts a student has started at a quiz, submitted or not. */
export async function attemptsOf(db: Db, quizId: string, userId: string): Promise<QuizAttempt[]> {
  return db
    .select()
    .from(quizAttempts)
    .where(and(eq(quizAttempts.quizId, quizId), eq(quizAttempts.userId, userId)))
    .orderBy(asc(quizAttempts.startedAt));
}

const isOpen = (a: QuizAttempt, now: number) => a.submittedAt === null && (a.deadlineAt === null || a.deadlineAt.getTime() > now);

export interface StartAttempt {
  quiz: Quiz;
  userId: string;
  orgId: string;
  /** Whether the quiz's attempt limit applies (students; not an owner previewing). */
  limited: boolean;
  /** The quiz's questions, shuffled into the new attempt's layout. */
  questions: readonly Question[];
  now?: number;
}

/**
 * Gives the student's open attempt back, or starts a new one if the attempt
 * limit allows, with its questions and choices in a fresh random order; a
 * time limit sets the deadline from now.
 */
export async function startAttempt(db: Db, input: StartAttempt): Promise<{ attempt: QuizAttempt; resumed: boolean }> {
  const now = input.now ?? Date.now();
  const existing = await attemptsOf(db, input.quiz.id, input.userId);
  const open = existing.filter((a) => isOpen(a, now)).at(-1);
  if (open) return { attempt: open, resumed: true };
  const max = input.limited ? input.quiz.maxAttempts : null;
  const id = crypto.randomUUID();
  const deadline = input.quiz.timeLimitSeconds ? now + input.quiz.timeLimitSeconds * 1000 : null;
  const layout = JSON.stringify(shuffleLayout(input.questions));
  // The count and the insert are one statement (on PostgreSQL, under the student's lock for the quiz):
  // concurrent starts cannot both take the last attempt.
  const inserted = await oneAtATime(db, `attempts:${input.quiz.id}:${input.userId}`, (q) =>
    execute(
      q,
      sql`
    insert into quiz_attempts (id, org_id, quiz_id, user_id, answers, layout, created_at, deadline_at)
    select ${id}, ${input.orgId}, ${input.quiz.id}, ${input.userId}, ${jsonParam("{}")}, ${jsonParam(layout)}, ${instant(now)},
      ${instant(deadline)}
    where cast(${max} as integer) is null
      or (select count(*) from quiz_attempts where quiz_id = ${input.quiz.id} and user_id = ${input.userId}) < ${max}`,
    ),
  );
  if (!inserted) {
    throw new ProblemError("conflict", {
      detail: `This quiz allows ${max} attempt${max === 1 ? "" : "s"} and you have used them all.`,
      extensions: { reason: "attempt-limit-reached", maxAttempts: max, attemptsUsed: existing.length },
    });
  }
  const [attempt] = await db.select().from(quizAttempts).where(eq(quizAttempts.id, id));
  return { attempt: attempt!, resumed: false };
}

function closedProblem(attempt: QuizAttempt): ProblemError {
  if (attempt.submittedAt) {
    return new ProblemError("conflict", {
      detail: "This attempt was submitted; its answers can no longer change.",
      extensions: { reason: "attempt-submitted" },
    });
  }
  return new ProblemError("conflict", {
    detail: `The time limit ran out at ${attempt.deadlineAt?.toISOString()}; submit the attempt to grade what was saved.`,
    extensions: { reason: "deadline-passed", deadlineAt: attempt.deadlineAt?.toISOString() },
  });
}

/**
 * Saves answers (merged into those saved before; null clears one) while the
 * attempt is open. The merge happens in SQL, so saves racing each other keep
 * both, and a save racing the deadline or a submit loses cleanly.
 */
export async function saveAnswers(db: Db, attempt: QuizAttempt, patch: AnswersPatch, now = Date.now()): Promise<QuizAttempt> {
  const [updated] = await db
    .update(quizAttempts)
    .set({ answers: jsonMerge(quizAttempts.answers, patch) })
    .where(
      and(
        eq(quizAttempts.id, attempt.id),
        eq(quizAttempts.userId, attempt.userId),
        sql`${quizAttempts.submittedAt} is null and (${quizAttempts.deadlineAt} is null or ${quizAttempts.deadlineAt} > ${instant(now)})`,
      ),
    )
    .returning();
  if (updated) return updated;
  const [current] = await db.select().from(quizAttempts).where(eq(quizAttempts.id, attempt.id));
  throw closedProblem(current ?? attempt);
}

/**
 * Submits and grades an attempt: the submission is claimed first (so no save
 * lands after it), then graded from what was saved. Submitting again returns
 * the same grade; after the deadline it grades what was saved in time.
 */
export async function submitAttempt(
  db: Db,
  attempt: QuizAttempt,
  now = Date.now(),
): Promise<{ attempt: QuizAttempt; grade: Grade; questions: Question[] }> {
  const [claimed] = await db
    .update(quizAttempts)
    .set({ submittedAt: new Date(now) })
    .where(and(eq(quizAttempts.id, attempt.id), eq(quizAttempts.userId, attempt.userId), sql`${quizAttempts.submittedAt} is null`))
    .returning();
  const current = claimed ?? (await db.select().from(quizAttempts).where(eq(quizAttempts.id, attempt.id)))[0] ?? attempt;
  const questionRows = await quizQuestions(db, current.quizId);
  const grade = gradeAnswers(questionRows, current.answers ?? {});
  if (claimed || current.score === null) {
    const [graded] = await db
      .update(quizAttempts)
      .set({ score: grade.score, correctCount: grade.correctCount })
      .where(eq(quizAttempts.id, current.id))
      .returning();
    return { attempt: graded ?? current, grade, questions: questionRows };
  }
  return { attempt: current, grade, questions: questionRows };
}

/**
 * Whether `viewer` sees the right answers, explanations and source passages of
 * `studentId`'s submitted attempts at the quiz: the course's owner and admins
 * always, the student as the quiz's policy says (`answersRevealed` in core),
 * anyone else never. Only "after-last-attempt" on a limited quiz reads the
 * student's attempts, one indexed query.
 */
export async function answersShownTo(
  db: Db,
  viewer: Viewer,
  at: { quiz: Quiz; course: Course },
  studentId: string,
  now = Date.now(),
): Promise<boolean> {
  if (canEditCourse(viewer, at.course)) return true;
  if (viewer.id !== studentId) return false;
  const { revealAnswers, maxAttempts } = at.quiz;
  if (revealAnswers !== "after-last-attempt" || maxAttempts === null) return answersRevealed(revealAnswers, maxAttempts, []);
  const mine = await attemptsOf(db, at.quiz.id, studentId);
  return answersRevealed(
    revealAnswers,
    maxAttempts,
    mine.map((a) => ({ closed: !isOpen(a, now) })),
  );
}
