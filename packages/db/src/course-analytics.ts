/**
 * A teacher's figures for a course or one of its quizzes, for the course's
 * owner or an admin: the queries of `learning-analytics.ts` run together,
 * once the viewer's right to see them is checked. Rates and shares are left
 * to the caller; these are counts.
 */
import { assertCanEdit, editableCourse, type Viewer } from "./course-access.ts";
import type { Db } from "./index.ts";
import {
  enrolmentCounts,
  type QuestionFigures,
  type QuizFigures,
  questionFigures,
  quizFigures,
  type StuckRow,
  stuckStudents,
} from "./learning-analytics.ts";
import { visibleQuiz } from "./quiz-attempt-store.ts";
import type { Course, Quiz } from "./tables.ts";

export interface CourseFigures {
  course: Course;
  enrolments: { enrolled: number; completed: number };
  quizzes: QuizFigures[];
  /** The `hardest` questions, hardest first. */
  questions: QuestionFigures[];
  stuck: StuckRow[];
}

/**
 * A course's enrolments, quiz and question figures and stuck students (404 not visible, 403 not its owner or an admin).
 * @example const figures = await courseFigures(db, me, params.id, { inactiveDays: 14, failedAttempts: 3, hardest: 5, now: Date.now() });
 */
export async function courseFigures(
  db: Db,
  viewer: Viewer,
  courseId: string,
  rule: { inactiveDays: number; failedAttempts: number; hardest: number; now: number },
): Promise<CourseFigures> {
  const course = await editableCourse(db, viewer, courseId);
  const scope = { courseId: course.id };
  const [enrolments, quizzes, questions, stuck] = await Promise.all([
    enrolmentCounts(db, course.id),
    quizFigures(db, scope),
    questionFigures(db, scope, rule.hardest),
    stuckStudents(db, scope, { inactiveDays: rule.inactiveDays, failedAttempts: rule.failedAttempts, now: rule.now }),
  ]);
  return { course, enrolments, quizzes, questions, stuck };
}

export interface QuizFiguresReport {
  quiz: Quiz;
  course: Course;
  /** Undefined when the quiz has no figures row at all. */
  figures: QuizFigures | undefined;
  /** Every question, hardest first. */
  questions: QuestionFigures[];
  /** Students failing this quiz; inactivity does not count for a quiz. */
  stuck: StuckRow[];
}

/**
 * A quiz's attempts, scores, every question's figures and the students failing it, for its course's owner or an
 * admin (404 not visible, 403 otherwise).
 * @example const report = await quizFiguresReport(db, me, params.id, { failedAttempts: 3, now: Date.now() });
 */
export async function quizFiguresReport(
  db: Db,
  viewer: Viewer,
  quizId: string,
  rule: { failedAttempts: number; now: number },
): Promise<QuizFiguresReport> {
  const { quiz, course } = await visibleQuiz(db, viewer, quizId);
  assertCanEdit(viewer, course);
  const scope = { courseId: course.id, quizId: quiz.id };
  const [[figures], questions, stuck] = await Promise.all([
    quizFigures(db, scope),
    questionFigures(db, scope),
    stuckStudents(db, scope, { inactiveDays: null, failedAttempts: rule.failedAttempts, now: rule.now }),
  ]);
  return { quiz, course, figures, questions, stuck };
}
