/** Job handlers by kind. Each takes the message and the bindings and commits its own result. */
import type { JobMessage } from "@studyhall/core";

export type JobHandler = (message: JobMessage, env: JobsEnv) => Promise<void>;

export const handlers: Record<string, JobHandler> = {};
