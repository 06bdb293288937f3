/**
 * The jobs worker's configuration, secrets included: core's settings (shared
 * with the API worker) and the LLM settings, read as one schema, once per
 * env object. Like the schemas it builds on it imports only zod and `.ts`
 * files, so the start-up check (scripts/config-check.mjs) runs it under plain
 * Node and refuses exactly what the worker would.
 */
import { configSchema } from "@studyhall/core/config";
import { oncePerEnv } from "@studyhall/core/settings";
import { llmConfigSchema } from "@studyhall/llm/config";
import type { z } from "zod";

/** Core's settings, then the LLM's: a bad variable of each is named, in that order. */
export const jobsConfigSchema = configSchema.and(llmConfigSchema);

export type JobsConfig = z.infer<typeof jobsConfigSchema>;

const readJobsConfig = oncePerEnv(jobsConfigSchema);

/**
 * The jobs worker's configuration from its env, parsed at the first batch and cached for that env.
 * @throws ConfigError naming every variable out of its bound (never its value).
 * @example
 * const provider = createProvider(jobsConfig(env)); // the LLM settings are part of it
 */
export function jobsConfig(env: object): JobsConfig {
  return readJobsConfig(env);
}
