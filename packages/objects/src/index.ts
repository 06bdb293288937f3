/** Durable Object classes: exported by the API worker, reached by both workers through their bindings. */
export { RateLimiter } from "./rate-limiter";
export type { TakeInput } from "./rate-limiter";
export { LlmGate } from "./llm-gate";
export type { AcquireInput, AcquireResult, GateState } from "./llm-gate";
export { Counters } from "./counters";
export { SessionRoom } from "./session-room";
export type { PostBotMessageInput, SessionRoomInit } from "./session-room";
export { recheckSessionAccess, RECHECK_INTERVAL_MS } from "./room-access";
export type { AccessChange } from "./room-access";
export type { TutorAnswerPayload } from "./room-tutor";
export { JobChannel, JOB_SEED_HEADER } from "./job-channel";
export type { IssueJobTicketInput } from "./job-channel";
