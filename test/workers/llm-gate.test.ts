/**
 * The shared LLM gate between organisations: one that floods it cannot
 * starve another, yet one asking alone may use it all. Time is simulated the
 * way the job tests skip waits: what elapsing amounts to is every moment the
 * gate remembers moving back.
 */
import { env, runInDurableObject } from "cloudflare:test";
import type { GateState, LlmGate } from "@studyhall/objects";
import { describe, expect, it } from "vitest";

const RPM = 10;
const limits = (orgId: string) => ({ orgId, requestsPerMinute: RPM, tokensPerMinute: 1_000_000, estimatedTokens: 100 });

function newGate(): DurableObjectStub<LlmGate> {
  return env.LLM_GATE.getByName(`fairness-${crypto.randomUUID()}`);
}

/** Lets `ms` pass for the gate. */
async function elapse(gate: DurableObjectStub<LlmGate>, ms: number): Promise<void> {
  await runInDurableObject(gate, async (_, state) => {
    const saved = state.storage.kv.get<GateState>("gate");
    if (!saved) return;
    for (const entry of saved.log) entry.at -= ms;
    for (const org of Object.values(saved.orgs)) {
      org.askedAt -= ms;
      if (org.refusedAt !== null) org.refusedAt -= ms;
    }
    state.storage.kv.put("gate", saved);
  });
}

async function ask(gate: DurableObjectStub<LlmGate>, orgId: string, times: number): Promise<number> {
  let granted = 0;
  for (let i = 0; i < times; i++) if ((await gate.acquire(limits(orgId))).granted) granted++;
  return granted;
}

describe("the LLM gate shares its budget between organisations", () => {
  it("an organisation asking alone may use the whole budget, and no more", async () => {
    const gate = newGate();
    expect(await ask(gate, "alone", RPM + 5)).toBe(RPM);
  });

  it("an organisation that was served and wants no more leaves the rest to the others", async () => {
    const gate = newGate();
    expect(await ask(gate, "quiet", 1)).toBe(1);
    expect(await ask(gate, "busy", RPM + 5)).toBe(RPM - 1);
  });

  it(".security: one organisation flooding the gate every few seconds cannot starve another; each gets its fair half of every minute", async () => {
    const gate = newGate();
    const TICK_MS = 10_000;
    const ticks: { flood: number; other: number }[] = [];
    // Two simulated minutes and a half: every 10 s the flood asks first and for everything, the other org asks after it.
    for (let t = 0; t < 15; t++) {
      const flood = await ask(gate, "flood", RPM);
      const other = await ask(gate, "other", 3);
      ticks.push({ flood, other });
      await elapse(gate, TICK_MS);
    }
    const minute = (from: number) =>
      ticks.slice(from, from + 6).reduce((sum, t) => ({ flood: sum.flood + t.flood, other: sum.other + t.other }), { flood: 0, other: 0 });
    // The first minute goes to whoever came first; once both are waiting, each minute is shared.
    for (const from of [6, 7, 8, 9]) {
      const window = minute(from);
      expect(window.flood + window.other, `minute from tick ${from}`).toBeLessThanOrEqual(RPM);
      expect(window.other, `minute from tick ${from}`).toBeGreaterThanOrEqual(RPM / 2);
      expect(window.flood, `minute from tick ${from}`).toBeGreaterThanOrEqual(RPM / 2);
    }
  });

  it("an organisation over its share is refused while another waits, even with room in the window, and told to wait for its own oldest request", async () => {
    const gate = newGate();
    expect(await ask(gate, "flood", RPM)).toBe(RPM);
    await elapse(gate, 30_000);
    expect(await ask(gate, "other", 1)).toBe(0);
    await elapse(gate, 30_000);
    // The flood's first minute is over; the other organisation has been waiting.
    expect(await ask(gate, "flood", RPM / 2)).toBe(RPM / 2);
    const refused = await gate.acquire(limits("flood"));
    expect(refused).toMatchObject({ granted: false, reason: "fair-share" });
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(30_000);
    expect((await gate.acquire(limits("other"))).granted).toBe(true);
  });
});
