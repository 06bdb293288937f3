/**
 * The PostgreSQL schema: the same tables as ../schema (D1's), in pg-core types, one file per table.
 * schema-equivalence.test.ts proves the two define the same tables, columns, keys and indexes. It holds
 * only the tables: the value lists (statuses, kinds) and the row types are D1's, imported from ../schema,
 * and each file passes its D1 counterpart's on, so code importing `./schema/jobs.ts` finds the same names
 * when it is built against this schema.
 */

export * from "./course-invitations.ts";
export * from "./courses.ts";
export * from "./document-sections.ts";
export * from "./documents.ts";
export * from "./enrolments.ts";
export * from "./exports.ts";
export * from "./idempotency-keys.ts";
export * from "./invitations.ts";
export * from "./job-events.ts";
export * from "./jobs.ts";
export * from "./lane-controls.ts";
export * from "./lesson-progress.ts";
export * from "./lessons.ts";
export * from "./modules.ts";
export * from "./organisations.ts";
export * from "./practice-questions.ts";
export * from "./questions.ts";
export * from "./quiz-attempts.ts";
export * from "./quizzes.ts";
export * from "./refresh-tokens.ts";
export * from "./session-reports.ts";
export * from "./sessions.ts";
export * from "./token-reservations.ts";
export * from "./usage-ledger.ts";
export * from "./users.ts";
