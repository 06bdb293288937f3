/**
 * What one room's chat should have delivered, and what each receiving socket
 * got. Every soak message says who sent it and that sender's own running
 * number (`soak s12 #7`); a sender sends one message at a time and moves on
 * only once its own socket has the message back (then the room's `seq` of it
 * is known) or the room refused it (then the same number is sent again), so
 * each sender's accepted numbers run 1, 2, 3… with no holes.
 *
 * A receiver (one student, across its reconnections) joined at the room's
 * `lastSeq` of its first welcome; it is owed every accepted message numbered
 * by the room after that. A message is LOST at a receiver once the receiver
 * has seen a later room `seq` but not the message (the room sends in `seq`
 * order, so it can no longer be on its way), or, at the end, when the
 * receiver never got it after the run drained. REORDERED: a sender's number
 * arriving after a higher number of the same sender.
 */

import type { SessionFrame } from "../../test/e2e/session-client.ts";

export interface ChatCheck {
  /** Accepted messages (each counted once, not per receiver). */
  accepted: number;
  /** Deliveries owed to receivers. */
  owed: number;
  lost: number;
  reordered: number;
  duplicates: number;
  /** Sends neither echoed nor refused in time, which no receiver got either. */
  vanished: number;
  /** Sends the room refused (its per-person budget), sent again later. */
  refused: number;
  /** Chat frames the soak itself threw away on arrival (`--drop-chat`): each must show up as lost. */
  dropped: number;
}

interface Receiver {
  joinSeq: number;
  highestSeq: number;
  /** Still connected (or reconnecting) at the end: owed the tail of the room too. */
  present: boolean;
  /** sender → (its number → the room's seq) of every soak message this receiver got. */
  got: Map<string, Map<number, number>>;
  /** sender → the highest number got from it. */
  highest: Map<string, number>;
  reordered: number;
  duplicates: number;
}

const TAG = /^soak (\S+) #(\d+)$/;

export class ChatLedger {
  /** sender → (its number → the room's seq) of every accepted message. */
  private readonly accepted = new Map<string, Map<number, number>>();
  /** Sends that got neither an echo nor a refusal in time: sender and number. */
  private readonly unechoed: { sender: string; n: number }[] = [];
  private readonly receivers = new Map<string, Receiver>();
  refused = 0;
  dropped = 0;

  static text(sender: string, n: number): string {
    return `soak ${sender} #${n}`;
  }

  static parse(text: string | undefined): { sender: string; n: number } | null {
    const match = TAG.exec(text ?? "");
    return match ? { sender: match[1]!, n: Number(match[2]) } : null;
  }

  /** A receiver's first welcome: from here on it is owed every accepted message. */
  joined(receiver: string, welcomeLastSeq: number): void {
    if (this.receivers.has(receiver)) return;
    this.receivers.set(receiver, {
      joinSeq: welcomeLastSeq,
      highestSeq: welcomeLastSeq,
      present: true,
      got: new Map(),
      highest: new Map(),
      reordered: 0,
      duplicates: 0,
    });
  }

  /** The receiver gave up on the room (could not reconnect): it is owed nothing after what it saw. */
  left(receiver: string): void {
    const r = this.receivers.get(receiver);
    if (r) r.present = false;
  }

  /** The highest room seq a receiver has seen: what it resumes from. */
  lastSeq(receiver: string): number {
    return this.receivers.get(receiver)?.highestSeq ?? 0;
  }

  /** Every frame a receiver's socket got. */
  received(receiver: string, frame: SessionFrame): void {
    const r = this.receivers.get(receiver);
    if (!r || typeof frame.seq !== "number" || frame.seq <= 0) return;
    r.highestSeq = Math.max(r.highestSeq, frame.seq);
    if (frame.type !== "chat") return;
    const tag = ChatLedger.parse(frame.text);
    if (!tag) return;
    const got = r.got.get(tag.sender) ?? new Map<number, number>();
    r.got.set(tag.sender, got);
    if (got.has(tag.n)) {
      r.duplicates++;
      return;
    }
    got.set(tag.n, frame.seq);
    const highest = r.highest.get(tag.sender) ?? 0;
    if (tag.n < highest) r.reordered++;
    else r.highest.set(tag.sender, tag.n);
  }

  /** The sender's own socket got its message back, numbered `seq` by the room. */
  accept(sender: string, n: number, seq: number): void {
    const mine = this.accepted.get(sender) ?? new Map<number, number>();
    this.accepted.set(sender, mine);
    mine.set(n, seq);
  }

  unanswered(sender: string, n: number): void {
    this.unechoed.push({ sender, n });
  }

  /** The newest room seq of an accepted message: the run has drained once every present receiver saw it. */
  newestAcceptedSeq(): number {
    let newest = 0;
    for (const mine of this.accepted.values()) for (const seq of mine.values()) newest = Math.max(newest, seq);
    return newest;
  }

  /** Whether every present receiver has seen up to `seq`. */
  caughtUp(seq: number): boolean {
    return [...this.receivers.values()].every((r) => !r.present || r.highestSeq >= seq);
  }

  /**
   * The tally so far. Mid-run, a message counts as lost only where a later seq already arrived; with
   * `final`, a present receiver is owed everything accepted. Unechoed sends that some receiver got are
   * accepted at the seq it saw (the sender's own socket then owes it too).
   */
  check(final: boolean): ChatCheck {
    const accepted = new Map([...this.accepted].map(([sender, mine]) => [sender, new Map(mine)]));
    let vanished = 0;
    for (const { sender, n } of this.unechoed) {
      const seq = [...this.receivers.values()].map((r) => r.got.get(sender)?.get(n)).find((s) => s !== undefined);
      if (seq === undefined) {
        if (final) vanished++;
        continue;
      }
      const mine = accepted.get(sender) ?? new Map<number, number>();
      accepted.set(sender, mine);
      mine.set(n, seq);
    }
    const result: ChatCheck = {
      accepted: 0,
      owed: 0,
      lost: 0,
      reordered: 0,
      duplicates: 0,
      vanished,
      refused: this.refused,
      dropped: this.dropped,
    };
    for (const mine of accepted.values()) result.accepted += mine.size;
    for (const r of this.receivers.values()) {
      result.reordered += r.reordered;
      result.duplicates += r.duplicates;
      const horizon = final && r.present ? Number.POSITIVE_INFINITY : r.highestSeq;
      for (const [sender, mine] of accepted)
        for (const [n, seq] of mine) {
          if (seq <= r.joinSeq || seq > horizon) continue;
          result.owed++;
          if (!r.got.get(sender)?.has(n)) result.lost++;
        }
    }
    return result;
  }
}
