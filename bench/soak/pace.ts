/**
 * The soak's clock: when the load stops, and waits that end early when it
 * does, so no simulated user starts anything after the deadline and none
 * needs to be cancelled mid-request. Waits are jittered so the users do
 * not march in step.
 */

export class Pace {
  private readonly stopped: Promise<void>;
  private release!: () => void;
  running = true;

  constructor() {
    this.stopped = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  stop(): void {
    this.running = false;
    this.release();
  }

  /** Waits `ms`, or less if the run stops first. */
  sleep(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), this.stopped]).finally(() =>
      clearTimeout(timer),
    );
  }

  /** Waits around `meanMs` (uniform in ±50 %), or less if the run stops. */
  jittered(meanMs: number): Promise<void> {
    return this.sleep(meanMs * (0.5 + Math.random()));
  }
}

/** A plain wait that the run's end does not cut short (drains, back-offs). */
export const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
