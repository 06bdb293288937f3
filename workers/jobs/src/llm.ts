/**
 * The generator a job uses: the configured provider, with every request it
 * makes to a remote model metered (llm-meter.ts: the job's token budget, then
 * the global LLM gate) and the keys the endpoint refused shared (llm-keys.ts). Provider errors become the runner's language: a wait
 * (deferral, no attempt used), a permanent failure (with our own words for
 * its owner; the provider's stay in the log), or a transient one
 * (retried with backoff).
 */
import { DeferJob, type LlmMethod, PermanentJobError } from "@studyhall/core";
import type { Db, Job } from "@studyhall/db";
import { createProvider, LlmPermanentError, type LlmProvider, LlmRateLimitedError } from "@studyhall/llm";
import { objects } from "@studyhall/objects/bindings";
import { jobsConfig } from "./config.ts";
import { JobBudget } from "./job-budget.ts";
import { gateKeyLedger } from "./llm-keys.ts";
import { jobMeter, type MeterDeps } from "./llm-meter.ts";

/** Runs provider calls for one job; the tokens they use are charged to the job's reservation as each request is answered. */
export interface GeneratorForJob {
  provider: LlmProvider;
  call<M extends LlmMethod>(method: M, input: Parameters<LlmProvider[M]>[0]): Promise<Awaited<ReturnType<LlmProvider[M]>>>;
  /** Tokens charged so far by this run of the job. */
  tokensUsed(): number;
}

export function generatorFor(env: JobsEnv, db: Db, job: Job, deps: MeterDeps = {}): GeneratorForJob {
  const config = jobsConfig(env);
  const budget = new JobBudget(db, config, job);
  const provider = createProvider(config, { meter: jobMeter(env, config, job.orgId, budget, deps), keys: gateKeyLedger(env) });
  const count = (name: string) =>
    objects(env)
      .counters.getByName("global")
      .increment({ [name]: 1 })
      .catch(() => undefined);
  return {
    provider,
    tokensUsed: () => budget.spent(),
    async call<M extends LlmMethod>(method: M, input: Parameters<LlmProvider[M]>[0]): Promise<Awaited<ReturnType<LlmProvider[M]>>> {
      try {
        // One method of several, chosen at run time: TypeScript cannot tie `provider[method]` to `M` without help.
        const run = provider[method] as (i: Parameters<LlmProvider[M]>[0]) => ReturnType<LlmProvider[M]>;
        const result = await run.call(provider, input);
        await count(`llm_requests_total{provider="${provider.name}",method="${method}"}`);
        return result;
      } catch (error) {
        await count(`llm_errors_total{provider="${provider.name}",error="${error instanceof Error ? error.name : "unknown"}"}`);
        if (error instanceof LlmRateLimitedError) throw new DeferJob(error.retryAfterMs, "the model's endpoint asked us to wait");
        if (error instanceof LlmPermanentError)
          throw new PermanentJobError(`llm-${error.reason}`, "The model could not do this", error.publicDetail, { cause: error });
        throw error;
      }
    },
  };
}
