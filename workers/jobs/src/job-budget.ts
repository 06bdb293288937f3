/**
 * A job's token budget: the reservation made when the job was accepted (or,
 * for a job accepted before reservations existed, at its first request). The
 * job never spends past it: before each request it makes sure the unspent part
 * covers the prompt and the reply's bound, extending the reservation against
 * the owner's quota when it does not; each request's real usage is charged to
 * it. When the quota cannot cover a request, the job fails with
 * `quota-exceeded` (permanent) instead of spending.
 */
import { type Config, PermanentJobError, ProblemError } from "@studyhall/core";
import {
  chargeReservation,
  type Db,
  extendReservation,
  heldReservation,
  type Job,
  monthlyTokenLimit,
  reserveTokens,
  spenderOf,
  type TokenReservation,
} from "@studyhall/db";

/** A reply bound below this is not worth a request: the JSON would be cut off. */
const MIN_REPLY_TOKENS = 256;

function quotaError(detail: string): PermanentJobError {
  return new PermanentJobError("quota-exceeded", "The monthly LLM token quota is used up", detail);
}

export class JobBudget {
  private reservation: TokenReservation | undefined;
  private limit: number | undefined;
  private charged = 0;

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly job: Job,
  ) {}

  /** Tokens charged by this run of the job. */
  spent(): number {
    return this.charged;
  }

  /**
   * Makes room for a request of `inputTokens` with a reply of up to `maxTokens`;
   * returns the `max_tokens` the reservation allows (at most `maxTokens`).
   * @throws PermanentJobError quota-exceeded when the quota cannot cover a useful reply.
   */
  async cover(inputTokens: number, maxTokens: number): Promise<number> {
    const need = inputTokens + maxTokens;
    let reservation = await this.current(need);
    const unspent = reservation.amount - reservation.charged;
    if (unspent < need)
      reservation = (await extendReservation(this.db, reservation, need - unspent, await this.ownerLimit())) ?? reservation;
    this.reservation = reservation;
    const allowed = Math.min(maxTokens, reservation.amount - reservation.charged - inputTokens);
    if (allowed < Math.min(maxTokens, MIN_REPLY_TOKENS)) {
      throw quotaError(
        `The next request needs about ${need} tokens; the owner's monthly quota cannot cover them, so the job stopped before spending them.`,
      );
    }
    return allowed;
  }

  /**
   * Charges a request's real usage. Usage beyond the reservation extends it if
   * the quota allows; what the quota cannot cover is not charged, and the job stops.
   */
  async charge(tokens: number): Promise<void> {
    let reservation = this.reservation;
    if (!reservation || tokens <= 0) return;
    const unspent = reservation.amount - reservation.charged;
    if (tokens > unspent)
      reservation = (await extendReservation(this.db, reservation, tokens - unspent, await this.ownerLimit())) ?? reservation;
    const chargeable = Math.min(tokens, reservation.amount - reservation.charged);
    this.reservation = await chargeReservation(this.db, reservation, chargeable);
    this.charged += chargeable;
    if (chargeable < tokens) {
      console.error(
        JSON.stringify({
          level: "error",
          msg: "LLM usage outran the owner's quota; the excess is not charged",
          jobId: this.job.id,
          reported: tokens,
          charged: chargeable,
        }),
      );
      throw quotaError(`A reply used ${tokens} tokens, more than the owner's monthly quota had left (${chargeable}); the job stopped.`);
    }
  }

  /** The held reservation, or a new one of `need` tokens for a job that has none. */
  private async current(need: number): Promise<TokenReservation> {
    if (this.reservation) return this.reservation;
    const held = await heldReservation(this.db, this.job.id);
    if (held) {
      this.reservation = held;
      return held;
    }
    const owner = await spenderOf(this.db, this.job.ownerId);
    if (!owner) throw quotaError("The job's owner no longer has an account to spend from.");
    try {
      this.reservation = await reserveTokens(this.db, this.config, owner, { amount: need, jobId: this.job.id });
      return this.reservation;
    } catch (error) {
      if (error instanceof ProblemError && error.type === "quota-exceeded") throw quotaError(error.detail ?? error.title);
      throw error;
    }
  }

  private async ownerLimit(): Promise<number> {
    if (this.limit === undefined) {
      const owner = await spenderOf(this.db, this.job.ownerId);
      this.limit = owner ? monthlyTokenLimit(this.config, owner.role) : 0;
    }
    return this.limit;
  }
}
