/**
 * Where the jobs' chats share the keys the model's endpoint refused: the LLM
 * gate, which every request passes already. A chat asks once when it starts
 * and reports each refusal, so a revoked key costs one refused request per
 * retry period for the whole platform instead of one per job.
 */
import type { KeyLedger } from "@studyhall/llm";
import { llmGate } from "./llm-meter.ts";

/**
 * The gate's ledger of refused keys.
 *
 * @example
 * const provider = createProvider(config, { meter, keys: gateKeyLedger(env) });
 */
export function gateKeyLedger(env: JobsEnv): KeyLedger {
  return {
    refused: (fingerprints) => llmGate(env).refusedKeys({ fingerprints }),
    refuse: (fingerprint, status) => llmGate(env).refuseKey({ fingerprint, status }),
  };
}
