/** Domain contracts shared by every worker and package; no bindings here. */

export * from "./accounts.ts";
export * from "./config.ts";
export * from "./content.ts";
export * from "./course-export-model.ts";
export * from "./job-contract.ts";
export * from "./job-errors.ts";
export * from "./job-live.ts";
export * from "./job-retry.ts";
export * from "./jobs.ts";
export * from "./log.ts";
export * from "./markdown.ts";
export * from "./practice-bank.ts";
export * from "./problems.ts";
export * from "./quiz-layout.ts";
export * from "./quiz-rules.ts";
export * from "./rate-lease.ts";
export * from "./rate-limit-policy.ts";
export * from "./session-protocol.ts";
export * from "./session-report.ts";
export * from "./settings.ts";
export * from "./token-estimates.ts";
