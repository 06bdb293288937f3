/**
 * The tables the data layer queries: D1's (../schema) unless the deployment's store is PostgreSQL, when
 * `useTablesOf("postgres")` swaps in the same tables in pg-core (../schema-pg). Every module imports its
 * tables from here, and ES module bindings are live, so one call at the first `openDb` points every query
 * of the isolate at the store it runs on. A deployment has one store, so an isolate never needs both.
 * The row types and value lists stay D1's: schema-equivalence.test.ts keeps the two schemas alike.
 */
import * as d1 from "./schema/index.ts";
import * as pg from "./schema-pg/index.ts";

export * from "./schema/index.ts";

export type RelationalStore = "d1" | "postgres";

export let courseInvitations = d1.courseInvitations;
export let courses = d1.courses;
export let documentSections = d1.documentSections;
export let documents = d1.documents;
export let enrolments = d1.enrolments;
export let courseExports = d1.courseExports;
export let idempotencyKeys = d1.idempotencyKeys;
export let invitations = d1.invitations;
export let jobEvents = d1.jobEvents;
export let jobs = d1.jobs;
export let laneControls = d1.laneControls;
export let lessonProgress = d1.lessonProgress;
export let lessons = d1.lessons;
export let modules = d1.modules;
export let organisations = d1.organisations;
export let practiceQuestions = d1.practiceQuestions;
export let practiceEvents = d1.practiceEvents;
export let questions = d1.questions;
export let quizAttempts = d1.quizAttempts;
export let quizzes = d1.quizzes;
export let refreshTokens = d1.refreshTokens;
export let sessionReports = d1.sessionReports;
export let sessions = d1.sessions;
export let tokenReservations = d1.tokenReservations;
export let usageLedger = d1.usageLedger;
export let users = d1.users;

let inUse: RelationalStore = "d1";

/** The store whose tables are in use in this isolate. */
export const storeInUse = (): RelationalStore => inUse;

/** Points every query of this isolate at `store`'s tables. */
export function useTablesOf(store: RelationalStore): void {
  if (store === inUse) return;
  // Typed as D1's: the pg tables have the same columns and row types (schema-equivalence.test.ts).
  const s = (store === "postgres" ? pg : d1) as unknown as typeof d1;
  courseInvitations = s.courseInvitations;
  courses = s.courses;
  documentSections = s.documentSections;
  documents = s.documents;
  enrolments = s.enrolments;
  courseExports = s.courseExports;
  idempotencyKeys = s.idempotencyKeys;
  invitations = s.invitations;
  jobEvents = s.jobEvents;
  jobs = s.jobs;
  laneControls = s.laneControls;
  lessonProgress = s.lessonProgress;
  lessons = s.lessons;
  modules = s.modules;
  organisations = s.organisations;
  practiceQuestions = s.practiceQuestions;
  practiceEvents = s.practiceEvents;
  questions = s.questions;
  quizAttempts = s.quizAttempts;
  quizzes = s.quizzes;
  refreshTokens = s.refreshTokens;
  sessionReports = s.sessionReports;
  sessions = s.sessions;
  tokenReservations = s.tokenReservations;
  usageLedger = s.usageLedger;
  users = s.users;
  inUse = store;
}
