/**
 * The API keys one chat rotates through, and which of them the endpoint has
 * refused. A 401 or 403 takes a key out of the rotation for every call, not
 * just this one: the refusal goes to a shared ledger (the LLM gate, in the
 * workers) under the key's fingerprint, and each new chat asks the ledger
 * first, so a revoked key costs one refused request per ledger period, not
 * one per job. Keys themselves never leave this file; only fingerprints do.
 */
import { LlmPermanentError } from "./errors.ts";

/** Where refused keys are remembered across calls, by fingerprint. */
export interface KeyLedger {
  /** Of these configured keys, the ones refused and not yet due for another try (it also learns which keys exist). */
  refused(fingerprints: string[]): Promise<string[]>;
  /** The endpoint answered `status` (401, 403) to this key. */
  refuse(fingerprint: string, status: number): Promise<void>;
}

/** Without a shared ledger, refusals are remembered by the chat that saw them only. */
export const localKeyLedger: KeyLedger = { refused: async () => [], refuse: async () => {} };

const encoder = new TextEncoder();

/**
 * A name for a key that cannot be turned back into it: the first 12 hex digits of its SHA-256.
 *
 * @example
 * await keyFingerprint("sk-live-…") // "3f9a0c1d2e4b"
 */
export async function keyFingerprint(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(key)));
  return [...digest.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The configured keys with their clients, the one in use, and those refused. */
export class KeyRing<C> {
  private readonly clients: C[];
  private readonly keys: readonly string[];
  private readonly ledger: KeyLedger;
  private fingerprints: string[] = [];
  private readonly refusedKeys = new Set<number>();
  private loading: Promise<void> | undefined;
  /** The key in use; it stays on the last one that worked, across calls. */
  private index = 0;

  constructor(keys: readonly string[], client: (key: string) => C, ledger: KeyLedger) {
    this.keys = keys;
    this.clients = keys.map(client);
    this.ledger = ledger;
  }

  /** Keys still in the rotation. */
  get usable(): number {
    return this.keys.length - this.refusedKeys.size;
  }

  /** The key to send with now; throws `unauthorized` once every key has been refused. */
  async current(): Promise<{ index: number; client: C }> {
    this.loading ??= this.load();
    await this.loading;
    for (let step = 0; step < this.keys.length; step++) {
      const index = (this.index + step) % this.keys.length;
      if (this.refusedKeys.has(index)) continue;
      this.index = index;
      return { index, client: this.clients[index]! };
    }
    throw new LlmPermanentError("unauthorized", `the LLM endpoint refused every configured key (${this.keys.length})`);
  }

  /** Moves on to the next key still in the rotation (after a 429). */
  rotate(): void {
    this.index = (this.index + 1) % this.keys.length;
  }

  /** Takes a key out of the rotation, here and in the ledger. */
  async refuse(index: number, status: number): Promise<void> {
    this.refusedKeys.add(index);
    const fingerprint = this.fingerprints[index];
    // The ledger only spares other calls a refused request: failing to record it must not fail this call.
    if (fingerprint) await this.ledger.refuse(fingerprint, status).catch(() => undefined);
  }

  private async load(): Promise<void> {
    this.fingerprints = await Promise.all(this.keys.map(keyFingerprint));
    // An unreachable ledger leaves every key in the rotation: the endpoint itself still says which work.
    const refused = new Set(await this.ledger.refused(this.fingerprints).catch((): string[] => []));
    this.fingerprints.forEach((f, i) => {
      if (refused.has(f)) this.refusedKeys.add(i);
    });
  }
}
