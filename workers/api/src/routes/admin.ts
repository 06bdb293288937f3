/**
 * The queue dashboard's data, for admins and read-only operators: lane
 * statistics, the job list with filters, and a job's full history. Every
 * figure is the caller's organisation's.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, desc, eq, like, lt, or, sql } from "drizzle-orm";
import { jobStatusValues, lanes, notFound } from "@studyhall/core";
import { documents, jobEvents, jobs, queueStats, users } from "@studyhall/db";
import { currentUser, requireRole } from "../middleware/auth";
import { jobKindSchema, jobSchema, jobView } from "./job-views";
import { bearer, idParam, json, newRouter, pick } from "./openapi";
import { iso } from "./views";

const laneStatsSchema = z
  .object({
    lane: z.enum(lanes),
    paused: z.boolean(),
    waiting: z.number(),
    delayed: z.number(),
    active: z.number(),
    completed: z.number(),
    failed: z.number(),
    cancelled: z.number(),
    throughputPerMinute: z.number(),
    failureRate: z.number(),
    p50Seconds: z.number().nullable(),
    p95Seconds: z.number().nullable(),
  })
  .openapi("LaneStats");

const adminJobSchema = jobSchema.extend({ owner: z.object({ id: z.string(), email: z.string(), name: z.string() }), title: z.string().nullable() }).openapi("AdminJob");

const listQuery = z.object({
  status: z.enum(jobStatusValues).optional(),
  kind: jobKindSchema.optional(),
  lane: z.enum(lanes).optional(),
  owner: z.string().max(254).optional().describe("owner id or email"),
  q: z.string().trim().min(1).max(200).optional().describe("text in the document title, the payload or the error"),
  deadLettered: z.enum(["true", "false"]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().datetime().optional().describe("createdAt of the last job of the previous page"),
});

const router = newRouter();
router.use("*", requireRole("admin", "operator"));

export const adminRoutes = router
  .openapi(
    createRoute({
      method: "get",
      path: "/queues",
      tags: ["admin"],
      security: bearer,
      summary: "Per lane: waiting, delayed, active, completed, failed, cancelled; throughput, failure rate, p50 and p95 run time (last hour)",
      request: { query: z.object({ windowMinutes: z.coerce.number().int().min(1).max(1440).default(60) }) },
      responses: { 200: json(z.object({ lanes: z.array(laneStatsSchema), windowMinutes: z.number(), at: z.string() }), "Lane statistics"), ...pick(401, 403, 429) },
    }),
    async (c) => {
      const { windowMinutes } = c.req.valid("query");
      return c.json({ lanes: await queueStats(c.get("db"), currentUser(c).orgId, windowMinutes), windowMinutes, at: new Date().toISOString() }, 200, { "Cache-Control": "no-store" });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/jobs",
      tags: ["admin"],
      security: bearer,
      summary: "The organisation's jobs, filtered by status, kind, lane, owner and text, newest first",
      request: { query: listQuery },
      responses: { 200: json(z.object({ items: z.array(adminJobSchema), nextBefore: z.string().nullable() }), "Jobs"), ...pick(400, 401, 403, 429) },
    }),
    async (c) => {
      const me = currentUser(c);
      const query = c.req.valid("query");
      const pattern = query.q ? `%${query.q.replace(/[%_\\]/g, (m) => `\\${m}`)}%` : undefined;
      const rows = await c
        .get("db")
        .select({ job: jobs, owner: { id: users.id, email: users.email, name: users.name }, title: documents.title })
        .from(jobs)
        .innerJoin(users, eq(users.id, jobs.ownerId))
        .leftJoin(documents, eq(documents.id, sql`json_extract(${jobs.payload}, '$.documentId')`))
        .where(
          and(
            eq(jobs.orgId, me.orgId),
            query.status ? eq(jobs.status, query.status) : undefined,
            query.kind ? eq(jobs.kind, query.kind) : undefined,
            query.lane ? eq(jobs.lane, query.lane) : undefined,
            query.owner ? or(eq(users.id, query.owner), eq(users.email, query.owner.toLowerCase())) : undefined,
            pattern ? or(sql`${documents.title} like ${pattern} escape '\\'`, sql`${jobs.payload} like ${pattern} escape '\\'`, sql`${jobs.error} like ${pattern} escape '\\'`) : undefined,
            query.deadLettered === "true" ? sql`exists (select 1 from job_events e where e.job_id = ${jobs.id} and e.type = 'dead-lettered')` : undefined,
            query.before ? lt(jobs.createdAt, new Date(query.before)) : undefined,
          ),
        )
        .orderBy(desc(jobs.createdAt))
        .limit(query.limit + 1);
      const page = rows.slice(0, query.limit);
      return c.json(
        { items: page.map((r) => ({ ...jobView(r.job), owner: r.owner, title: r.title ?? ((r.job.payload as { title?: string } | null)?.title ?? null) })), nextBefore: rows.length > query.limit ? iso(page.at(-1)!.job.createdAt) : null },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/jobs/{id}",
      tags: ["admin"],
      security: bearer,
      summary: "A job with its payload, every attempt with its error, and its progress history",
      request: { params: idParam },
      responses: {
        200: json(
          adminJobSchema.extend({
            payload: z.unknown(),
            events: z.array(z.object({ type: z.string(), attempt: z.number(), progress: z.number().nullable(), stage: z.string().nullable(), error: z.unknown().nullable(), at: z.string() })),
            attemptsLog: z.array(z.object({ attempt: z.number(), startedAt: z.string(), endedAt: z.string().nullable(), outcome: z.string(), error: z.unknown().nullable() })),
          }),
          "The job",
        ),
        ...pick(401, 403, 404, 429),
      },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const [row] = await db
        .select({ job: jobs, owner: { id: users.id, email: users.email, name: users.name }, title: documents.title })
        .from(jobs)
        .innerJoin(users, eq(users.id, jobs.ownerId))
        .leftJoin(documents, eq(documents.id, sql`json_extract(${jobs.payload}, '$.documentId')`))
        .where(and(eq(jobs.id, c.req.valid("param").id), eq(jobs.orgId, me.orgId)));
      if (!row) throw notFound("job");
      const events = await db.select().from(jobEvents).where(eq(jobEvents.jobId, row.job.id)).orderBy(asc(jobEvents.at), asc(jobEvents.id)).limit(1000);
      const attemptsLog = events
        .filter((e) => e.type === "started")
        .map((start) => {
          const end = events.find((e) => e.attempt === start.attempt && e.at >= start.at && ["completed", "failed", "retrying", "deferred", "cancelled"].includes(e.type));
          return { attempt: start.attempt, startedAt: iso(start.at)!, endedAt: iso(end?.at), outcome: end?.type ?? (row.job.status === "active" ? "running" : "abandoned"), error: end?.error ?? null };
        });
      return c.json(
        {
          ...jobView(row.job),
          owner: row.owner,
          title: row.title ?? null,
          payload: row.job.payload,
          events: events.map((e) => ({ type: e.type, attempt: e.attempt, progress: e.progress, stage: e.stage, error: e.error ?? null, at: iso(e.at)! })),
          attemptsLog,
        },
        200,
      );
    },
  );
