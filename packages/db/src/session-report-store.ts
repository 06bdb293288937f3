/**
 * Tutoring-session reports: the teacher who opened a session (or an admin)
 * asks for one, a `session-report` job writes it from the room's transcript,
 * and whoever may see the session reads it. One report per session: asking
 * while one is being written returns that job; asking again later writes it
 * afresh (the session may have gone on), the last report staying readable
 * until the new one replaces it.
 */

import {
  assertStartsWork,
  type Config,
  estimateTokens,
  notFound,
  ProblemError,
  type SessionReportDocument,
  sessionReportSchema,
} from "@studyhall/core";
import { and, asc, eq, sql } from "drizzle-orm";
import type { Viewer } from "./course-access.ts";
import { currentViewer, seesCourse } from "./document-access.ts";
import type { Db } from "./index.ts";
import { pendingJob } from "./job-enqueue.ts";
import { findJob } from "./job-lifecycle.ts";
import type { LaneQueues, SendOptions } from "./job-queue.ts";
import { assertCanModerate, visibleSessions } from "./session-access.ts";
import { sessionInOrg } from "./session-store.ts";
import { courses, type Job, jobs, lessons, modules, type Session, sessionReports, sessions } from "./tables.ts";
import { releaseReservation, reserveTokens } from "./token-reservations.ts";
import { together } from "./write-together.ts";

/** A session the viewer may see (its teacher, its student, an admin), or 404. */
async function visibleSession(db: Db, viewer: Viewer, id: string): Promise<Session> {
  const [session] = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.id, id), visibleSessions(viewer)));
  if (!session) throw notFound("session");
  return session;
}

/** The job writing the session's report, if one is queued or running. */
async function runningReportJob(db: Db, sessionId: string): Promise<Job | undefined> {
  const row = await db.query.sessionReports.findFirst({ where: eq(sessionReports.sessionId, sessionId) });
  const job = row && (await findJob(db, row.jobId));
  return job && (job.status === "queued" || job.status === "active") ? job : undefined;
}

/**
 * Asks for a tutoring session's report and returns the job writing it: the one already queued or running,
 * or a new one, paid for from the viewer's quota.
 * @throws ProblemError not-found, forbidden (not a moderator, or an operator), conflict (a study room, or a race
 * lost to a request whose job has gone again), quota-exceeded.
 */
export async function requestSessionReport(
  db: Db,
  queues: LaneQueues,
  config: Config,
  viewer: Viewer,
  sessionId: string,
  options: SendOptions,
): Promise<Job> {
  const session = await visibleSession(db, viewer, sessionId);
  assertCanModerate(viewer, session);
  // The teacher who opened the session, made operator since, still moderates it but starts no work.
  assertStartsWork(viewer);
  if (session.kind !== "tutoring")
    throw new ProblemError("conflict", { detail: "Reports are written for tutoring sessions, not study rooms." });
  const running = await runningReportJob(db, session.id);
  if (running) return running;
  const pending = pendingJob(db, queues, {
    orgId: viewer.orgId,
    ownerId: viewer.id,
    kind: "session-report",
    lane: "normal",
    payload: { sessionId: session.id, orgId: session.orgId },
    maxAttempts: config.JOB_MAX_RETRIES + 1,
  });
  const jobId = pending.id;
  const reservation = await reserveTokens(db, config, viewer, { amount: estimateTokens({ kind: "session-report" }), jobId });
  // One transaction: the job, and the report row pointing at it unless the row's job is still queued or running.
  const [[job], claimed] = await together(db, (tx) => [
    pending.insert(tx),
    tx
      .insert(sessionReports)
      .values({ sessionId: session.id, jobId })
      .onConflictDoUpdate({
        target: sessionReports.sessionId,
        set: { jobId, completedAt: null },
        setWhere: sql`coalesce((select ${jobs.status} from ${jobs} where ${jobs.id} = ${sessionReports.jobId}), 'gone') not in ('queued', 'active')`,
      })
      .returning({ jobId: sessionReports.jobId }),
  ]).catch(async (error: unknown) => {
    await releaseReservation(db, reservation.id);
    throw error;
  });
  if (claimed.length === 0) {
    // Another request got there first: its job is the answer, and ours never existed.
    await db.delete(jobs).where(eq(jobs.id, jobId));
    await releaseReservation(db, reservation.id);
    const other = await runningReportJob(db, session.id);
    if (!other) throw new ProblemError("conflict", { detail: "A report for this session was just requested; try again." });
    return other;
  }
  // Only now is the job wanted: sent once the report row is known to be its.
  await pending.send(options);
  return job!;
}

/** A written report with where it came from. */
export interface StoredReport {
  report: SessionReportDocument;
  sessionId: string;
  jobId: string;
  completedAt: Date | null;
}

/**
 * The report of a session the viewer may see, validated (a row that does not parse counts as none).
 * @throws ProblemError not-found (the session, or no report yet).
 */
export async function sessionReportOf(db: Db, viewer: Viewer, sessionId: string): Promise<StoredReport> {
  const session = await visibleSession(db, viewer, sessionId);
  const row = await db.query.sessionReports.findFirst({ where: eq(sessionReports.sessionId, session.id) });
  const report = row?.report ? sessionReportSchema.safeParse(row.report) : undefined;
  if (!row || !report?.success) throw new ProblemError("not-found", { detail: "No report has been written for this session yet." });
  return { report: report.data, sessionId: session.id, jobId: row.jobId, completedAt: row.completedAt };
}

/** Where a report is, from outside: waiting (queued), being written, written, or given up on. */
export interface ReportStatus {
  status: "waiting" | "active" | "completed" | "failed";
  progress: number;
  jobId: string;
}

function reportStatus(status: string | undefined, written: boolean): ReportStatus["status"] {
  if (status === "queued") return "waiting";
  if (status === "active") return "active";
  if (status === "completed" || (status === undefined && written)) return "completed";
  return "failed";
}

/**
 * Where the report of a session the viewer may see is, with its job's progress.
 * @throws ProblemError not-found (the session, or no report asked for).
 */
export async function sessionReportStatus(db: Db, viewer: Viewer, sessionId: string): Promise<ReportStatus> {
  const session = await visibleSession(db, viewer, sessionId);
  const row = await db.query.sessionReports.findFirst({ where: eq(sessionReports.sessionId, session.id) });
  if (!row) throw new ProblemError("not-found", { detail: "No report has been asked for this session." });
  const job = await findJob(db, row.jobId);
  const status = reportStatus(job?.status, row.completedAt !== null);
  return { status, progress: job?.progress ?? (status === "completed" ? 100 : 0), jobId: row.jobId };
}

/** What the report job finds: the session to report on, or why there is nothing to write. */
export type ReportToWrite = { session: Session } | { gone: true } | { superseded: true } | { alreadyWritten: true };

/** The session a report job writes for, if that job is still the one asked for and has not written it. */
export async function reportToWrite(db: Db, orgId: string, sessionId: string, jobId: string): Promise<ReportToWrite> {
  const session = await sessionInOrg(db, orgId, sessionId);
  if (!session) return { gone: true };
  const row = await db.query.sessionReports.findFirst({ where: eq(sessionReports.sessionId, session.id) });
  if (!row || row.jobId !== jobId) return { superseded: true };
  if (row.completedAt) return { alreadyWritten: true };
  return { session };
}

/**
 * The course's lessons in teaching order, for the report to recommend from: only when the session's student
 * can see the course now (a draft, or an invited-only course they are not in, recommends nothing), so a
 * report never points its student at lessons they cannot open.
 */
export async function lessonsToRecommend(
  db: Db,
  session: Session,
): Promise<{ title: string | undefined; lessons: { id: string; title: string; text: string }[] }> {
  const courseId = session.courseId;
  if (!courseId || !session.studentId) return { title: undefined, lessons: [] };
  const student = await currentViewer(db, session.studentId);
  if (!student || !(await seesCourse(db, student, courseId))) return { title: undefined, lessons: [] };
  const course = await db.query.courses.findFirst({ where: eq(courses.id, courseId) });
  const rows = await db
    .select({ id: lessons.id, title: lessons.title, text: lessons.bodyMd })
    .from(lessons)
    .innerJoin(modules, eq(modules.id, lessons.moduleId))
    .where(eq(lessons.courseId, courseId))
    .orderBy(asc(modules.position), asc(lessons.position));
  return { title: course?.title, lessons: rows };
}

/** Stores the written report, only under the job it was asked of. */
export async function saveSessionReport(db: Db, sessionId: string, jobId: string, report: SessionReportDocument): Promise<void> {
  await db
    .update(sessionReports)
    .set({ report, completedAt: new Date() })
    .where(and(eq(sessionReports.sessionId, sessionId), eq(sessionReports.jobId, jobId)));
}
