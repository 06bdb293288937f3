/**
 * The generator a job uses: the configured provider, behind the global LLM
 * gate when it calls a remote model. Provider errors become the runner's
 * language: a wait (deferral, no attempt used), a permanent failure, or a
 * transient one (retried with backoff).
 */
import { DeferJob, PermanentJobError, loadConfig } from "@studyhall/core";
import { chargeTokens, type Db, type Job } from "@studyhall/db";
import type { Counters, LlmGate } from "@studyhall/objects";
import { LlmPermanentError, LlmRateLimitedError, createProvider, loadLlmConfig, type LlmProvider, type TokenUsage } from "@studyhall/llm";

/** The gate lives in the API worker; this worker reaches it through its binding. */
const llmGate = (env: JobsEnv) => (env.LLM_GATE as unknown as DurableObjectNamespace<LlmGate>).getByName("global");

type Method = "outline" | "lesson" | "quiz" | "answer" | "generateQuestions" | "report";

function estimateTokens(input: unknown, maxInputChars: number): number {
  const chars = Math.min(JSON.stringify(input).length, maxInputChars + 4000);
  return Math.ceil(chars / 4) + 1500;
}

/** Runs one provider call through the gate, charging the job owner's quota with what it used. */
export interface GeneratorForJob {
  provider: LlmProvider;
  call<M extends Method>(method: M, input: Parameters<LlmProvider[M]>[0]): Promise<Awaited<ReturnType<LlmProvider[M]>>>;
  tokensUsed(): number;
}

export function generatorFor(env: JobsEnv, db: Db, job: Job, provider: LlmProvider = createProvider(loadLlmConfig(env))): GeneratorForJob {
  const config = loadConfig(env);
  const llm = loadLlmConfig(env);
  let used = 0;
  return {
    provider,
    tokensUsed: () => used,
    async call<M extends Method>(method: M, input: Parameters<LlmProvider[M]>[0]): Promise<Awaited<ReturnType<LlmProvider[M]>>> {
      const remote = provider.name !== "extractive";
      const estimatedTokens = remote ? estimateTokens(input, llm.LLM_MAX_INPUT_CHARS) : 0;
      let ticket: number | undefined;
      if (remote) {
        const gate = llmGate(env);
        const grant = await gate.acquire({ requestsPerMinute: config.LLM_REQUESTS_PER_MIN, tokensPerMinute: config.LLM_TOKENS_PER_MIN, estimatedTokens });
        if (!grant.granted) throw new DeferJob(grant.retryAfterMs, "waiting for the shared LLM rate limit");
        ticket = grant.ticket;
      }
      const count = (name: string) =>
        (env.COUNTERS as unknown as DurableObjectNamespace<Counters>)
          .getByName("global")
          .increment({ [name]: 1 })
          .catch(() => undefined);
      try {
        const result = await (provider[method] as (i: unknown) => Promise<{ usage: TokenUsage }>)(input);
        await count(`llm_requests_total{provider="${provider.name}",method="${method}"}`);
        const usage = result.usage;
        if (usage.totalTokens > 0) {
          used += usage.totalTokens;
          await chargeTokens(db, { orgId: job.orgId, userId: job.ownerId, amount: usage.totalTokens, jobId: job.id });
        }
        if (ticket !== undefined) await llmGate(env).settle({ ticket, estimatedTokens, usedTokens: usage.totalTokens });
        return result as unknown as Awaited<ReturnType<LlmProvider[M]>>;
      } catch (error) {
        await count(`llm_errors_total{provider="${provider.name}",error="${error instanceof Error ? error.name : "unknown"}"}`);
        if (error instanceof LlmRateLimitedError) throw new DeferJob(error.retryAfterMs, "the model's endpoint asked us to wait");
        if (error instanceof LlmPermanentError) throw new PermanentJobError(`llm-${error.reason}`, "The model could not do this", error.message);
        throw error;
      }
    },
  };
}
