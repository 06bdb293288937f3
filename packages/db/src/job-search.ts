/**
 * The dashboards' job queries, for one organisation or for the platform: the
 * filtered job list with each job's owner and document title, one job with
 * its events, and the failed jobs a bulk retry puts back.
 */

import type { JobKind, Lane } from "@studyhall/core";
import { and, asc, desc, eq, lt, or, sql } from "drizzle-orm";
import { jsonText, likeText } from "./dialect.ts";
import type { Db } from "./index.ts";
import { inScope, type JobScope } from "./job-scope.ts";
import { documents, type Job, type JobStatus, jobEvents, jobs, users } from "./tables.ts";

export interface JobFilter {
  status?: JobStatus;
  kind?: JobKind;
  lane?: Lane;
  /** Only in the platform's scope: one organisation's jobs. */
  orgId?: string;
  /** An owner's id or email. */
  owner?: string;
  /** Text in the document title, the payload or the error. */
  q?: string;
  deadLettered?: boolean;
  /** createdAt of the last job of the previous page. */
  before?: Date;
  limit: number;
}

export interface JobListing {
  job: Job;
  owner: { id: string; email: string; name: string };
  title: string | null;
}

const deadLettered = () => sql`exists (select 1 from job_events e where e.job_id = ${jobs.id} and e.type = 'dead-lettered')`;

function listing(db: Db) {
  return db
    .select({ job: jobs, owner: { id: users.id, email: users.email, name: users.name }, title: documents.title })
    .from(jobs)
    .innerJoin(users, eq(users.id, jobs.ownerId))
    .leftJoin(documents, eq(documents.id, jsonText(jobs.payload, "documentId")));
}

/** The scope's jobs matching `filter`, newest first, one more than `limit` to tell whether a next page exists. */
export async function searchJobs(db: Db, scope: JobScope, filter: JobFilter): Promise<JobListing[]> {
  const pattern = filter.q ? `%${filter.q.replace(/[%_\\]/g, (m) => `\\${m}`)}%` : undefined;
  return listing(db)
    .where(
      and(
        inScope(scope),
        filter.orgId ? eq(jobs.orgId, filter.orgId) : undefined,
        filter.status ? eq(jobs.status, filter.status) : undefined,
        filter.kind ? eq(jobs.kind, filter.kind) : undefined,
        filter.lane ? eq(jobs.lane, filter.lane) : undefined,
        filter.owner ? or(eq(users.id, filter.owner), eq(users.email, filter.owner.toLowerCase())) : undefined,
        pattern ? or(likeText(documents.title, pattern), likeText(jobs.payload, pattern), likeText(jobs.error, pattern)) : undefined,
        filter.deadLettered ? deadLettered() : undefined,
        filter.before ? lt(jobs.createdAt, filter.before) : undefined,
      ),
    )
    .orderBy(desc(jobs.createdAt))
    .limit(filter.limit + 1);
}

/** One job of the scope with its owner, title and up to 1,000 events in order; undefined when outside it. */
export async function jobWithEvents(db: Db, scope: JobScope, jobId: string) {
  const [row] = await listing(db).where(and(eq(jobs.id, jobId), inScope(scope)));
  if (!row) return undefined;
  const events = await db
    .select()
    .from(jobEvents)
    .where(eq(jobEvents.jobId, row.job.id))
    .orderBy(asc(jobEvents.at), asc(jobEvents.id))
    .limit(1000);
  return { ...row, events };
}

/** The scope's failed jobs a bulk retry puts back (at most 500 at a time). */
export async function failedJobs(
  db: Db,
  scope: JobScope,
  filter: Pick<JobFilter, "kind" | "lane" | "orgId" | "deadLettered">,
): Promise<Job[]> {
  return db
    .select()
    .from(jobs)
    .where(
      and(
        inScope(scope),
        eq(jobs.status, "failed"),
        filter.orgId ? eq(jobs.orgId, filter.orgId) : undefined,
        filter.kind ? eq(jobs.kind, filter.kind) : undefined,
        filter.lane ? eq(jobs.lane, filter.lane) : undefined,
        filter.deadLettered ? deadLettered() : undefined,
      ),
    )
    .limit(500);
}
