/**
 * `@tutor` in a study room: the question becomes a high-priority
 * `tutor-answer` job owned by the asker (the jobs worker answers it through
 * the room's `postBotMessage`). Before the job exists the asker must be
 * someone who may spend (not a read-only operator), within their own tutor
 * limit per minute (held by the RateLimiter object keyed by user, so more
 * sockets or rooms give no more questions), and the tokens of an answer must
 * be reserved from their monthly quota.
 */
import { estimateTokens, type JobPayloadInput, loadConfig, type Participant, ProblemError, type RoomErrorCode } from "@studyhall/core";
import { enqueue, laneQueues, type RelationalBindings, reserveFor, spenderOf, withDb } from "@studyhall/db";
import { type ObjectBindings, objects } from "./bindings.ts";
import type { RoomMeta } from "./room-storage.ts";

const TUTOR_WINDOW_MS = 60_000;

const TUTOR_PREFIX = /^@tutor\b[\s:,]*/i;

/** The question of a chat message addressed to the tutor, or null if it is not addressed to it. */
export function tutorQuestion(text: string): string | null {
  const match = TUTOR_PREFIX.exec(text);
  return match ? text.slice(match[0].length).trim() : null;
}

/** What asking the tutor touches: the relational store, the lanes' queues and the rate limiter, as either worker's generated types declare them. */
type TutorEnv = Pick<Cloudflare.Env, "JOBS_HIGH" | "JOBS_NORMAL" | "JOBS_LOW"> & RelationalBindings & ObjectBindings;

export type TutorRequest = { ok: true; jobId: string } | { ok: false; code: RoomErrorCode; message: string };

/** Creates the job for a question already posted as message `replyToSeq`. */
export async function requestTutorAnswer(
  env: TutorEnv,
  meta: RoomMeta,
  asker: Participant,
  question: string,
  replyToSeq: number,
): Promise<TutorRequest> {
  if (meta.kind !== "study-room" || !meta.courseId) {
    return { ok: false, code: "tutor-unavailable", message: "The tutor answers in study rooms that belong to a course." };
  }
  if (!question) return { ok: false, code: "bad-frame", message: "Ask a question after @tutor." };
  const courseId = meta.courseId;
  return withDb(env, async (db) => {
    const config = loadConfig(env);
    // The account as it is now, not as the ticket had it: a member made operator since joining spends nothing.
    const spender = await spenderOf(db, asker.id);
    if (!spender || spender.role === "operator") {
      return {
        ok: false,
        code: "tutor-unavailable",
        message: "The tutor answers members who may start work; the operator role is read-only.",
      };
    }
    const limit = config.RATE_LIMIT_TUTOR_PER_MIN;
    const decision = await objects(env).rateLimiter.getByName(`user:${asker.id}:tutor`).take({ limit, periodMs: TUTOR_WINDOW_MS });
    if (!decision.allowed) {
      return {
        ok: false,
        code: "rate-limited",
        message: `You may ask the tutor ${limit} times a minute, from all your connections together; try again in ${decision.retryAfterSeconds} s.`,
      };
    }
    const payload: JobPayloadInput<"tutor-answer"> = {
      sessionId: meta.sessionId,
      orgId: meta.orgId,
      courseId,
      question,
      replyToSeq,
      askedBy: asker.id,
    };
    const jobId = crypto.randomUUID();
    try {
      // A failed send leaves the job queued and unsent; the sweep sends it.
      await reserveFor(db, config, spender, { amount: estimateTokens({ kind: "tutor-answer" }), jobId }, () =>
        enqueue(db, laneQueues(env), {
          id: jobId,
          kind: "tutor-answer",
          lane: "high",
          orgId: meta.orgId,
          ownerId: asker.id,
          payload,
          maxAttempts: config.JOB_MAX_RETRIES + 1,
        }),
      );
    } catch (error) {
      if (error instanceof ProblemError && error.type === "quota-exceeded")
        return { ok: false, code: "quota-exceeded", message: error.detail ?? error.title };
      throw error;
    }
    return { ok: true, jobId };
  });
}
