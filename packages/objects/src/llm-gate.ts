/**
 * The one global limit on LLM use, shared by every consumer: requests and
 * tokens per minute, each a sliding window held by this single object. A job
 * that cannot go now is told how long to wait, and waits without losing an attempt.
 */
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";

const WINDOW_MS = 60_000;

const acquireInput = z.object({
  requestsPerMinute: z.number().int().positive(),
  tokensPerMinute: z.number().int().positive(),
  /** Tokens the call is expected to use; corrected by `settle` afterwards. */
  estimatedTokens: z.number().int().min(0),
});
export type AcquireInput = z.infer<typeof acquireInput>;
export type AcquireResult = { granted: true; ticket: number } | { granted: false; retryAfterMs: number };

type Entry = [at: number, tokens: number];

export class LlmGate extends DurableObject {
  private log: Entry[] | undefined;

  private load(now: number): Entry[] {
    this.log ??= this.ctx.storage.kv.get<Entry[]>("log") ?? [];
    while (this.log.length && this.log[0]![0] <= now - WINDOW_MS) this.log.shift();
    return this.log;
  }

  private save(): void {
    this.ctx.storage.kv.put("log", this.log ?? []);
  }

  /** Reserves one request and its estimated tokens, or says how long to wait. */
  async acquire(input: AcquireInput): Promise<AcquireResult> {
    const { requestsPerMinute, tokensPerMinute, estimatedTokens } = acquireInput.parse(input);
    const now = Date.now();
    const log = this.load(now);
    const used = log.reduce((sum, [, tokens]) => sum + tokens, 0);
    // A single call larger than the whole budget may still run alone, or it would wait forever.
    const tokensFit = used + estimatedTokens <= tokensPerMinute || used === 0;
    if (log.length < requestsPerMinute && tokensFit) {
      log.push([now, estimatedTokens]);
      this.save();
      return { granted: true, ticket: now };
    }
    // Wait until enough of the oldest entries leave the window.
    let freed = 0;
    let waitUntil = now + WINDOW_MS;
    for (let i = 0; i < log.length; i++) {
      freed += log[i]![1];
      const requestsOk = log.length - (i + 1) < requestsPerMinute;
      const tokensOk = used - freed + estimatedTokens <= tokensPerMinute;
      if (requestsOk && tokensOk) {
        waitUntil = log[i]![0] + WINDOW_MS;
        break;
      }
    }
    return { granted: false, retryAfterMs: Math.max(1000, waitUntil - now) };
  }

  /** Replaces a reservation's estimate with the tokens the call really used. */
  async settle(input: { ticket: number; estimatedTokens: number; usedTokens: number }): Promise<void> {
    const log = this.load(Date.now());
    const entry = log.find(([at, tokens]) => at === input.ticket && tokens === input.estimatedTokens);
    if (entry) {
      entry[1] = Math.max(0, Math.round(input.usedTokens));
      this.save();
    }
  }
}
