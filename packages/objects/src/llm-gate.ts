/**
 * The one global limit on LLM use, shared by every consumer: requests and
 * tokens per minute, each a sliding window held by this single object. Every
 * HTTP request to the endpoint asks here first (retries and repair rounds
 * too), so the provider never sees more than the limit. A request that cannot
 * go now is told how long to wait, and waits without losing an attempt.
 *
 * The budget is shared fairly between organisations: max-min fair shares
 * among those that asked within the last window, an organisation that was
 * refused in that window counting as wanting more. An organisation over its
 * share is refused while another that wants more is under its own, even if
 * the window has room: the freed requests go to the one being starved. An
 * organisation asking alone may use everything.
 *
 * It also keeps the model keys the endpoint refused (llm-key-refusals.ts), by
 * fingerprint, so one job's 401 spares every other job the same refusal.
 */
import { DurableObject } from "cloudflare:workers";
import { LLM_GATE_MAX_REQUESTS_PER_MIN, LLM_GATE_MAX_TOKENS_PER_MIN } from "@studyhall/core";
import { z } from "zod";
import { forget, type KeyRecords, type KeyState, keyStates, keysInput, notice, refuse, refuseInput } from "./llm-key-refusals.ts";

export const GATE_WINDOW_MS = 60_000;
const STATE_KEY = "gate";
const KEYS_KEY = "keys";

// LLM_REQUESTS_PER_MIN and LLM_TOKENS_PER_MIN are bounded by the same constants.
const acquireInput = z.object({
  /** Whose work this request is: fairness is between organisations. */
  orgId: z.string().min(1).max(64),
  requestsPerMinute: z.number().int().positive().max(LLM_GATE_MAX_REQUESTS_PER_MIN),
  tokensPerMinute: z.number().int().positive().max(LLM_GATE_MAX_TOKENS_PER_MIN),
  /** Tokens the request may use (its prompt and `max_tokens`); corrected by `settle` afterwards. */
  estimatedTokens: z.number().int().min(0),
});
export type AcquireInput = z.infer<typeof acquireInput>;
export type AcquireResult = { granted: true; ticket: number } | { granted: false; retryAfterMs: number; reason: "limit" | "fair-share" };

const settleInput = z.object({ ticket: z.number().int(), usedTokens: z.number().min(0) });

/** One granted request in the window. */
export interface GateEntry {
  id: number;
  at: number;
  tokens: number;
  org: string;
}
/** When an organisation last asked, and last had to wait. */
export interface GateOrg {
  askedAt: number;
  refusedAt: number | null;
}
export interface GateState {
  seq: number;
  log: GateEntry[];
  orgs: Record<string, GateOrg>;
}

/**
 * Max-min fair split of `capacity` by demand (Infinity: as much as it can
 * get): nobody gets more than it wants, and what one leaves is shared by the rest.
 *
 * @example fairShares(10, new Map([["a", Infinity], ["b", 2]])) // a: 8, b: 2
 */
export function fairShares(capacity: number, demands: ReadonlyMap<string, number>): Map<string, number> {
  const order = [...demands].sort((a, b) => (a[1] === b[1] ? 0 : a[1] < b[1] ? -1 : 1));
  const shares = new Map<string, number>();
  let left = capacity;
  order.forEach(([who, demand], i) => {
    const share = Math.min(demand, left / (order.length - i));
    shares.set(who, share);
    left -= share;
  });
  return shares;
}

interface Used {
  requests: number;
  tokens: number;
}

export class LlmGate extends DurableObject {
  /** Read from storage on every call (the kv API is synchronous and cached), dropping what left the window. */
  private load(now: number): GateState {
    const state = this.ctx.storage.kv.get<GateState>(STATE_KEY) ?? { seq: 0, log: [], orgs: {} };
    state.log = state.log.filter((e) => e.at > now - GATE_WINDOW_MS);
    for (const [org, seen] of Object.entries(state.orgs)) if (seen.askedAt <= now - GATE_WINDOW_MS) delete state.orgs[org];
    return state;
  }

  private save(state: GateState): void {
    this.ctx.storage.kv.put(STATE_KEY, state);
  }

  /** Reserves one request and its estimated tokens for an organisation, or says how long to wait. */
  async acquire(input: AcquireInput): Promise<AcquireResult> {
    const { orgId, requestsPerMinute, tokensPerMinute, estimatedTokens } = acquireInput.parse(input);
    const now = Date.now();
    const state = this.load(now);
    state.orgs[orgId] ??= { askedAt: now, refusedAt: null };
    const org = state.orgs[orgId];
    org.askedAt = now;

    const used = new Map<string, Used>(Object.keys(state.orgs).map((o) => [o, { requests: 0, tokens: 0 }]));
    for (const e of state.log) {
      const u = used.get(e.org) ?? { requests: 0, tokens: 0 };
      u.requests += 1;
      u.tokens += e.tokens;
      used.set(e.org, u);
    }
    const total = state.log.reduce((sum, e) => sum + e.tokens, 0);
    // A single request larger than the whole budget may still run alone, or it would wait forever.
    const fits = state.log.length < requestsPerMinute && (total + estimatedTokens <= tokensPerMinute || total === 0);
    const yields = fits && this.mustYield(state, orgId, used, requestsPerMinute, tokensPerMinute, estimatedTokens, now);

    if (fits && !yields) {
      const id = ++state.seq;
      state.log.push({ id, at: now, tokens: estimatedTokens, org: orgId });
      this.save(state);
      return { granted: true, ticket: id };
    }
    org.refusedAt = now;
    this.save(state);
    if (yields) {
      // Over its share: its next chance comes as its own oldest request leaves the window.
      const oldest = state.log.find((e) => e.org === orgId);
      return { granted: false, reason: "fair-share", retryAfterMs: Math.max(1000, (oldest?.at ?? now) + GATE_WINDOW_MS - now) };
    }
    return {
      granted: false,
      reason: "limit",
      retryAfterMs: this.waitForRoom(state, total, requestsPerMinute, tokensPerMinute, estimatedTokens, now),
    };
  }

  /** True when the asker is over its fair share while another organisation that wants more is under its own. */
  private mustYield(
    state: GateState,
    asker: string,
    used: Map<string, Used>,
    rpm: number,
    tpm: number,
    estimated: number,
    now: number,
  ): boolean {
    const wanting = (o: string) => o === asker || (state.orgs[o]?.refusedAt ?? 0) > now - GATE_WINDOW_MS;
    const demand = (pick: (u: Used) => number) => new Map([...used].map(([o, u]) => [o, wanting(o) ? Infinity : pick(u)]));
    const requestShares = fairShares(
      rpm,
      demand((u) => u.requests),
    );
    const tokenShares = fairShares(
      tpm,
      demand((u) => u.tokens),
    );
    const mine = used.get(asker)!;
    const over = mine.requests + 1 > requestShares.get(asker)! || (mine.tokens > 0 && mine.tokens + estimated > tokenShares.get(asker)!);
    if (!over) return false;
    return [...used].some(([o, u]) => o !== asker && wanting(o) && u.requests < requestShares.get(o)! && u.tokens < tokenShares.get(o)!);
  }

  /** How long until enough of the oldest requests leave the window for this one to fit. */
  private waitForRoom(state: GateState, total: number, rpm: number, tpm: number, estimated: number, now: number): number {
    let freed = 0;
    let waitUntil = now + GATE_WINDOW_MS;
    for (let i = 0; i < state.log.length; i++) {
      freed += state.log[i]!.tokens;
      const requestsOk = state.log.length - (i + 1) < rpm;
      const tokensOk = total - freed + estimated <= tpm;
      if (requestsOk && tokensOk) {
        waitUntil = state.log[i]!.at + GATE_WINDOW_MS;
        break;
      }
    }
    return Math.max(1000, waitUntil - now);
  }

  /** Replaces a granted request's estimate with the tokens it really used. */
  async settle(input: z.input<typeof settleInput>): Promise<void> {
    const { ticket, usedTokens } = settleInput.parse(input);
    const state = this.load(Date.now());
    const entry = state.log.find((e) => e.id === ticket);
    if (entry) {
      entry.tokens = Math.round(usedTokens);
      this.save(state);
    }
  }

  private loadKeys(now: number): KeyRecords {
    const records = this.ctx.storage.kv.get<KeyRecords>(KEYS_KEY) ?? {};
    if (forget(records, now)) this.ctx.storage.kv.put(KEYS_KEY, records);
    return records;
  }

  /** Of the fingerprints a chat is configured with, those refused and not yet due for another try. */
  async refusedKeys(input: z.input<typeof keysInput>): Promise<string[]> {
    const { fingerprints } = keysInput.parse(input);
    const now = Date.now();
    const records = this.loadKeys(now);
    const { refused, changed } = notice(records, fingerprints, now);
    if (changed) this.ctx.storage.kv.put(KEYS_KEY, records);
    return refused;
  }

  /** The endpoint refused a key: every chat leaves it out until its retry time. */
  async refuseKey(input: z.input<typeof refuseInput>): Promise<void> {
    const { fingerprint, status } = refuseInput.parse(input);
    const now = Date.now();
    const records = this.loadKeys(now);
    refuse(records, fingerprint, status, now);
    this.ctx.storage.kv.put(KEYS_KEY, records);
  }

  /** Every configured key's state, for the metrics and the platform's operators. */
  async keys(): Promise<KeyState[]> {
    const now = Date.now();
    return keyStates(this.loadKeys(now), now);
  }
}
