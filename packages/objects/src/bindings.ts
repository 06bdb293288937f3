/**
 * The Durable Object bindings, typed by their classes, for either worker.
 * The API worker exports the classes, so its generated types (`wrangler
 * types`) name them; the jobs worker binds them by script name, and its
 * generated types cannot see into another worker, so they say only
 * `DurableObjectNamespace`. This is the one place that says both are the
 * same objects, so neither worker casts a binding. The jobs worker imports it
 * as `@studyhall/objects/bindings`, which leaves the classes out of its bundle.
 */
import type { Counters } from "./counters.ts";
import type { JobChannel } from "./job-channel.ts";
import type { JobSweeper } from "./job-sweeper.ts";
import type { LlmGate } from "./llm-gate.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import type { SessionRoom } from "./session-room.ts";

/** The Durable Object bindings both workers' generated env types declare, as whichever worker is compiled sees them. */
export type ObjectBindings = Pick<
  Cloudflare.Env,
  "RATE_LIMITER" | "LLM_GATE" | "COUNTERS" | "SESSION_ROOM" | "JOB_CHANNEL" | "JOB_SWEEPER"
>;

/** Each namespace with its class's RPC methods. */
export interface ObjectNamespaces {
  rateLimiter: DurableObjectNamespace<RateLimiter>;
  llmGate: DurableObjectNamespace<LlmGate>;
  counters: DurableObjectNamespace<Counters>;
  sessionRoom: DurableObjectNamespace<SessionRoom>;
  jobChannel: DurableObjectNamespace<JobChannel>;
  jobSweeper: DurableObjectNamespace<JobSweeper>;
}

/** The one JobSweeper: recovery is platform-wide, so its key names no organisation. */
export const JOB_SWEEPER_NAME = "platform";

/** The one conversion: a namespace the jobs worker sees untyped is the class the API worker exports. */
const bound = <T extends Rpc.DurableObjectBranded>(namespace: DurableObjectNamespace<T> | DurableObjectNamespace) =>
  namespace as DurableObjectNamespace<T>;

/**
 * The typed namespaces of a worker's env (either worker's: both wrangler.toml files bind the same classes).
 * @example
 * const grant = await objects(env).llmGate.getByName("global").acquire(input);
 */
export function objects(env: ObjectBindings): ObjectNamespaces {
  return {
    rateLimiter: bound<RateLimiter>(env.RATE_LIMITER),
    llmGate: bound<LlmGate>(env.LLM_GATE),
    counters: bound<Counters>(env.COUNTERS),
    sessionRoom: bound<SessionRoom>(env.SESSION_ROOM),
    jobChannel: bound<JobChannel>(env.JOB_CHANNEL),
    jobSweeper: bound<JobSweeper>(env.JOB_SWEEPER),
  };
}

let ensured: Promise<void> | undefined;

/**
 * Makes sure the JobSweeper's alarm is set (it sweeps at once if it just started): once per isolate, or
 * every time when asked. Never throws: a binding that is missing or refuses is logged, and the next call
 * tries again.
 */
export function ensureSweeper(env: ObjectBindings, options: { everyTime?: boolean } = {}): Promise<void> {
  if (ensured && !options.everyTime) return ensured;
  // Called from an async function: a binding that is missing or refuses the call at once is logged like any failed call.
  const call = (async () => objects(env).jobSweeper.getByName(JOB_SWEEPER_NAME).ensure())().then(
    () => undefined,
    (error: unknown) => {
      if (ensured === call) ensured = undefined;
      console.error(JSON.stringify({ level: "error", msg: "could not reach the job sweeper", error: String(error) }));
    },
  );
  ensured = call;
  return call;
}

export { announceJobs, jobChannelPublisher, jobUpdate } from "./job-announce.ts";
