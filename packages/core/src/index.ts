/** Domain contracts shared by every worker and package; no bindings here. */
export * from "./problems";
export * from "./config";
export * from "./settings";
export * from "./accounts";
export * from "./rate-limit-policy";
export * from "./content";
export * from "./jobs";
export * from "./job-contract";
export * from "./job-errors";
export * from "./markdown";
export * from "./job-live";
export * from "./quiz-rules";
export * from "./quiz-layout";
export * from "./session-protocol";
export * from "./session-report";
export * from "./token-estimates";
