/**
 * `@tutor` in a study room: the question becomes a high-priority
 * `tutor-answer` job owned by the asker (the jobs worker answers it through
 * the room's `postBotMessage`), unless the asker's monthly LLM quota is spent.
 */
import { loadConfig, ProblemError, type Participant, type RoomErrorCode } from "@studyhall/core";
import { assertTokenQuota, insertJob, laneQueues, markSent, openDb, sendJob } from "@studyhall/db";
import type { RoomMeta } from "./room-storage";

const TUTOR_PREFIX = /^@tutor\b[\s:,]*/i;

/** The question of a chat message addressed to the tutor, or null if it is not addressed to it. */
export function tutorQuestion(text: string): string | null {
  const match = TUTOR_PREFIX.exec(text);
  return match ? text.slice(match[0].length).trim() : null;
}

/** What the `tutor-answer` handler receives. */
export interface TutorAnswerPayload {
  sessionId: string;
  orgId: string;
  courseId: string;
  question: string;
  replyToSeq: number;
  askedBy: string;
}

type TutorEnv = { DB: D1Database; JOBS_HIGH: Queue; JOBS_NORMAL: Queue; JOBS_LOW: Queue };

export type TutorRequest = { ok: true; jobId: string } | { ok: false; code: RoomErrorCode; message: string };

/** Creates the job for a question already posted as message `replyToSeq`. */
export async function requestTutorAnswer(env: TutorEnv, meta: RoomMeta, asker: Participant, question: string, replyToSeq: number): Promise<TutorRequest> {
  if (meta.kind !== "study-room" || !meta.courseId) {
    return { ok: false, code: "tutor-unavailable", message: "The tutor answers in study rooms that belong to a course." };
  }
  if (!question) return { ok: false, code: "bad-frame", message: "Ask a question after @tutor." };
  const db = openDb(env.DB);
  const config = loadConfig(env);
  try {
    await assertTokenQuota(db, config, asker);
  } catch (error) {
    if (error instanceof ProblemError && error.type === "quota-exceeded") return { ok: false, code: "quota-exceeded", message: error.detail ?? error.title };
    throw error;
  }
  const payload: TutorAnswerPayload = { sessionId: meta.sessionId, orgId: meta.orgId, courseId: meta.courseId, question, replyToSeq, askedBy: asker.id };
  const job = { id: crypto.randomUUID(), kind: "tutor-answer" as const, lane: "high" as const };
  await insertJob(db, { ...job, orgId: meta.orgId, ownerId: asker.id, payload, maxAttempts: config.JOB_MAX_RETRIES + 1 });
  // A failed send leaves the job queued and unsent; the sweep sends it.
  if (await sendJob(laneQueues(env), job)) await markSent(db, [job.id]);
  return { ok: true, jobId: job.id };
}
