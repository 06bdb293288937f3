/**
 * What each HTTP request a job makes to the model passes through (the
 * openai provider calls it for every attempt, retries and repair rounds
 * included): the job's token budget first, then the shared LLM gate, with the
 * job's organisation so the gate can share fairly. After the request, its
 * real tokens are settled at the gate and charged to the budget.
 */
import { type Config, DeferJob } from "@studyhall/core";
import type { RequestMeter } from "@studyhall/llm";
import { objects } from "@studyhall/objects/bindings";
import type { JobBudget } from "./job-budget.ts";

/** The gate lives in the API worker; this worker reaches it through its binding. */
export const llmGate = (env: JobsEnv) => objects(env).llmGate.getByName("global");

/**
 * Waits this short are waited out in the consumer; longer ones put the job back
 * on the queue (no attempt used), which frees the consumer and keeps waiting
 * well inside the job's lease.
 */
const SHORT_WAIT_MS = 2000;
const MAX_WAIT_IN_PROCESS_MS = 4000;

export const WAITING_FOR_GATE = "waiting for the shared LLM rate limit";

export interface MeterDeps {
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Takes one request's place at the gate, waiting briefly in process if it must, else deferring the job. */
async function acquire(
  env: JobsEnv,
  config: Config,
  orgId: string,
  estimatedTokens: number,
  sleep: (ms: number) => Promise<void>,
): Promise<number> {
  const gate = llmGate(env);
  let waited = 0;
  for (;;) {
    const grant = await gate.acquire({
      orgId,
      requestsPerMinute: config.LLM_REQUESTS_PER_MIN,
      tokensPerMinute: config.LLM_TOKENS_PER_MIN,
      estimatedTokens,
    });
    if (grant.granted) return grant.ticket;
    if (grant.retryAfterMs > SHORT_WAIT_MS || waited + grant.retryAfterMs > MAX_WAIT_IN_PROCESS_MS)
      throw new DeferJob(grant.retryAfterMs, WAITING_FOR_GATE);
    await sleep(grant.retryAfterMs);
    waited += grant.retryAfterMs;
  }
}

/**
 * The meter for one job's requests.
 *
 * @example
 * const provider = createProvider(config, { meter: jobMeter(env, config, job.orgId, new JobBudget(db, config, job)) });
 */
export function jobMeter(env: JobsEnv, config: Config, orgId: string, budget: JobBudget, deps: MeterDeps = {}): RequestMeter {
  const sleep = deps.sleep ?? defaultSleep;
  return {
    async begin({ inputTokens, maxTokens }) {
      // The budget first: a request the quota cannot pay for must not take a place at the gate.
      const allowed = await budget.cover(inputTokens, maxTokens);
      const estimatedTokens = inputTokens + allowed;
      const ticket = await acquire(env, config, orgId, estimatedTokens, sleep);
      return {
        maxTokens: allowed,
        async settle(usage) {
          await llmGate(env).settle({ ticket, usedTokens: usage.totalTokens });
          await budget.charge(usage.totalTokens);
        },
      };
    },
  };
}
