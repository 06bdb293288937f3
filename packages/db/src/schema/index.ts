/** The D1 schema: one file per table, the one source of the row types. */
export * from "./organisations";
export * from "./users";
export * from "./invitations";
export * from "./refresh-tokens";
export * from "./documents";
export * from "./courses";
export * from "./modules";
export * from "./lessons";
export * from "./quizzes";
export * from "./questions";
export * from "./quiz-attempts";
export * from "./jobs";
export * from "./usage-ledger";
export * from "./document-sections";
export * from "./idempotency-keys";
export * from "./job-events";
