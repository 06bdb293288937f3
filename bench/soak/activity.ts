/**
 * What the simulated users did and what went wrong for them, beyond the
 * HTTP counts of traffic.ts: actions completed, socket drops and
 * reconnections, error frames from the rooms, and actions that failed (by
 * action and reason), so a report can say which user flow broke.
 */

export class Activity {
  lessonReads = 0;
  /** Lesson reads answered 304 to the ETag the student already had. */
  lessonNotModified = 0;
  quizzesSubmitted = 0;
  chatSent = 0;
  uploads = 0;
  /** Reconnections the soak made on purpose (a student's tab coming back), resuming with lastSeq. */
  reconnects = 0;
  /** Sockets the platform closed or lost without being asked. */
  drops = 0;
  /** Error frames from the rooms, by code. */
  errorFrames: Record<string, number> = {};
  /** Actions that failed, by "action: reason". */
  failures: Record<string, number> = {};

  fail(action: string, error: unknown): void {
    // Grouped by status where expectJson said one (its text also holds the URL, with ids, and the body).
    const message = error instanceof Error ? error.message : String(error);
    const status = /expected \d+, got \d+/.exec(message)?.[0];
    const reason =
      status ??
      message
        .split("\n")[0]!
        .replace(/[\w-]{16,}/g, "…")
        .slice(0, 120);
    const key = `${action}: ${reason}`;
    this.failures[key] = (this.failures[key] ?? 0) + 1;
  }

  errorFrame(code: string): void {
    this.errorFrames[code] = (this.errorFrames[code] ?? 0) + 1;
  }
}
