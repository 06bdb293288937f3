/**
 * Tutoring-session reports: the teacher who opened a session (or an admin)
 * asks for one, a `session-report` job writes it from the room's transcript,
 * and whoever may see the session reads it. One report per session: asking
 * while one is being written returns that job; asking again later writes it
 * afresh (the session may have gone on), the last report staying readable
 * until the new one replaces it.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { assertStartsWork, estimateTokens, notFound, ProblemError, sessionReportSchema } from "@studyhall/core";
import {
  assertCanModerate,
  type Db,
  type Job,
  jobs,
  laneQueues,
  pendingJob,
  releaseReservation,
  reserveTokens,
  type Session,
  sessionReports,
  sessions,
  visibleSessions,
} from "@studyhall/db";
import { and, eq, sql } from "drizzle-orm";
import type { CurrentUser } from "../env.ts";
import { currentUser } from "../middleware/auth.ts";
import { idempotent } from "../middleware/idempotency.ts";
import { rateLimit } from "../middleware/rate-limit.ts";
import { jobSchema, jobView } from "./job-views.ts";
import { bearer, idParam, json, newRouter, pick } from "./openapi.ts";
import { iso } from "./views.ts";

/** A session the caller may see (its teacher, its student, an admin), or 404. */
async function visibleSession(db: Db, user: CurrentUser, id: string): Promise<Session> {
  const [session] = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.id, id), visibleSessions(user)));
  if (!session) throw notFound("session");
  return session;
}

/** The job writing the session's report, if one is queued or running. */
async function runningReportJob(db: Db, sessionId: string): Promise<Job | undefined> {
  const row = await db.query.sessionReports.findFirst({ where: eq(sessionReports.sessionId, sessionId) });
  const job = row && (await db.query.jobs.findFirst({ where: eq(jobs.id, row.jobId) }));
  return job && (job.status === "queued" || job.status === "active") ? job : undefined;
}

const storedReportSchema = sessionReportSchema
  .extend({ sessionId: z.string(), jobId: z.string(), completedAt: z.string().nullable() })
  .openapi("SessionReport");

const reportStatusSchema = z
  .object({ status: z.enum(["waiting", "active", "completed", "failed"]), progress: z.number().int(), jobId: z.string() })
  .openapi("SessionReportStatus");

/** How a report's job looks from outside: waiting (queued), being written, written, or given up on. */
function reportStatus(status: string | undefined, written: boolean): z.infer<typeof reportStatusSchema>["status"] {
  if (status === "queued") return "waiting";
  if (status === "active") return "active";
  if (status === "completed" || (status === undefined && written)) return "completed";
  return "failed";
}

export const sessionReportRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/report",
      tags: ["sessions"],
      security: bearer,
      middleware: [rateLimit("jobs"), idempotent()] as const,
      summary:
        "Write the report of a tutoring session (the teacher who opened it, or an admin): 202 and its job; while one is being written, that job",
      request: { params: idParam },
      responses: { 202: json(jobSchema, "The job writing the report"), ...pick(401, 403, 404, 409, 422, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const config = c.get("config");
      const session = await visibleSession(db, me, c.req.valid("param").id);
      assertCanModerate(me, session);
      // The teacher who opened the session, made operator since, still moderates it but starts no work.
      assertStartsWork(me);
      if (session.kind !== "tutoring")
        throw new ProblemError("conflict", { detail: "Reports are written for tutoring sessions, not study rooms." });
      const running = await runningReportJob(db, session.id);
      if (running) return c.json(jobView(running), 202);
      const pending = pendingJob(db, laneQueues(c.env), {
        orgId: me.orgId,
        ownerId: me.id,
        kind: "session-report",
        lane: "normal",
        payload: { sessionId: session.id, orgId: session.orgId },
        maxAttempts: config.JOB_MAX_RETRIES + 1,
      });
      const jobId = pending.id;
      const reservation = await reserveTokens(db, config, me, { amount: estimateTokens({ kind: "session-report" }), jobId });
      // One transaction: the job, and the report row pointing at it unless the row's job is still queued or running.
      const [[job], claimed] = await db
        .batch([
          pending.insert,
          db
            .insert(sessionReports)
            .values({ sessionId: session.id, jobId })
            .onConflictDoUpdate({
              target: sessionReports.sessionId,
              set: { jobId, completedAt: null },
              setWhere: sql`coalesce((select ${jobs.status} from ${jobs} where ${jobs.id} = ${sessionReports.jobId}), 'gone') not in ('queued', 'active')`,
            })
            .returning({ jobId: sessionReports.jobId }),
        ])
        .catch(async (error: unknown) => {
          await releaseReservation(db, reservation.id);
          throw error;
        });
      if (claimed.length === 0) {
        // Another request got there first: its job is the answer, and ours never existed.
        await db.delete(jobs).where(eq(jobs.id, jobId));
        await releaseReservation(db, reservation.id);
        const other = await runningReportJob(db, session.id);
        if (!other) throw new ProblemError("conflict", { detail: "A report for this session was just requested; try again." });
        return c.json(jobView(other), 202);
      }
      // Only now is the job wanted: sent once the report row is known to be its.
      await pending.send({ waitUntil: (p) => c.executionCtx.waitUntil(p) });
      return c.json(jobView(job!), 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/report",
      tags: ["sessions"],
      security: bearer,
      summary:
        "A tutoring session's report: topics, what the student understood, gaps and lessons to take next, each with quotes from the transcript",
      request: { params: idParam },
      responses: { 200: json(storedReportSchema, "The report"), ...pick(401, 404, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const session = await visibleSession(db, currentUser(c), c.req.valid("param").id);
      const row = await db.query.sessionReports.findFirst({ where: eq(sessionReports.sessionId, session.id) });
      const report = row?.report ? sessionReportSchema.safeParse(row.report) : undefined;
      if (!row || !report?.success) throw new ProblemError("not-found", { detail: "No report has been written for this session yet." });
      return c.json({ ...report.data, sessionId: session.id, jobId: row.jobId, completedAt: iso(row.completedAt) }, 200, {
        "Cache-Control": "no-store",
      });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/report/status",
      tags: ["sessions"],
      security: bearer,
      summary: "Where the report is: waiting (queued), active, completed or failed, with the job's progress",
      request: { params: idParam },
      responses: { 200: json(reportStatusSchema, "The report's status"), ...pick(401, 404, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const session = await visibleSession(db, currentUser(c), c.req.valid("param").id);
      const row = await db.query.sessionReports.findFirst({ where: eq(sessionReports.sessionId, session.id) });
      if (!row) throw new ProblemError("not-found", { detail: "No report has been asked for this session." });
      const job = await db.query.jobs.findFirst({ where: eq(jobs.id, row.jobId) });
      const status = reportStatus(job?.status, row.completedAt !== null);
      return c.json({ status, progress: job?.progress ?? (status === "completed" ? 100 : 0), jobId: row.jobId }, 200, {
        "Cache-Control": "no-store",
      });
    },
  );
