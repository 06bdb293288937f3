/** Durable Object classes: exported by the API worker, reached by both workers through their bindings. */

export type { ObjectBindings, ObjectNamespaces } from "./bindings.ts";
export { ensureSweeper, JOB_SWEEPER_NAME, objects } from "./bindings.ts";
export { Counters } from "./counters.ts";
export { announceJobs, jobChannelPublisher, jobUpdate } from "./job-announce.ts";
export type { IssueJobTicketInput } from "./job-channel.ts";
export { JOB_SEED_HEADER, JobChannel } from "./job-channel.ts";
export type { SweeperState } from "./job-sweeper.ts";
export { JobSweeper } from "./job-sweeper.ts";
export type { AcquireInput, AcquireResult, GateState } from "./llm-gate.ts";
export { LlmGate } from "./llm-gate.ts";
export type { KeyState } from "./llm-key-refusals.ts";
export type { TakeInput } from "./rate-limiter.ts";
export { RateLimiter } from "./rate-limiter.ts";
export type { AccessChange } from "./room-access.ts";
export { RECHECK_INTERVAL_MS, recheckSessionAccess } from "./room-access.ts";
export type { PostBotMessageInput, SessionRoomInit } from "./session-room.ts";
export { SessionRoom } from "./session-room.ts";
