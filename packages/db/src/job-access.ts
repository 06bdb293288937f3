/**
 * Which jobs a caller reaches, and the owner's and the admin's plain actions
 * on them: a job is seen by its owner, or by any admin of its organisation;
 * the dashboard reaches every job of the admin's organisation and no other.
 */
import { notFound, ProblemError, type Role } from "@studyhall/core";
import { and, desc, eq, inArray, lt, or } from "drizzle-orm";
import type { Db } from "./index.ts";
import { requestCancel } from "./job-lifecycle.ts";
import { settleProduct } from "./job-products.ts";
import { type Job, jobs } from "./tables.ts";
import { releaseReservations } from "./token-reservations.ts";

/** D1 binds at most 100 values per statement. */
const DELETE_CHUNK = 90;

/** A job the viewer may see: their own, or any of the organisation's for an admin. Others are 404. */
export async function visibleJob(db: Db, viewer: { id: string; orgId: string; role: Role }, id: string): Promise<Job> {
  const job = await db.query.jobs.findFirst({ where: and(eq(jobs.id, id), eq(jobs.orgId, viewer.orgId)) });
  if (!job || (job.ownerId !== viewer.id && viewer.role !== "admin")) throw notFound("job");
  return job;
}

/** A job of the organisation, for its dashboard; another organisation's is 404. */
export async function orgJob(db: Db, orgId: string, id: string): Promise<Job> {
  const job = await db.query.jobs.findFirst({ where: and(eq(jobs.id, id), eq(jobs.orgId, orgId)) });
  if (!job) throw notFound("job");
  return job;
}

/** Where a page of one's jobs starts: after this job, in newest-first order. */
export type JobCursor = { at: number; id: string };

/**
 * A page of the owner's jobs, newest first, and whether more follow.
 * @example const { page, more } = await ownJobsPage(db, me.id, { status: "failed", limit: 25 })
 */
export async function ownJobsPage(
  db: Db,
  ownerId: string,
  filter: { status?: Job["status"]; kind?: Job["kind"]; limit: number; after?: JobCursor },
): Promise<{ page: Job[]; more: boolean }> {
  const { status, kind, limit, after } = filter;
  const rows = await db
    .select()
    .from(jobs)
    .where(
      and(
        eq(jobs.ownerId, ownerId),
        status ? eq(jobs.status, status) : undefined,
        kind ? eq(jobs.kind, kind) : undefined,
        after ? or(lt(jobs.createdAt, new Date(after.at)), and(eq(jobs.createdAt, new Date(after.at)), lt(jobs.id, after.id))) : undefined,
      ),
    )
    .orderBy(desc(jobs.createdAt), desc(jobs.id))
    .limit(limit + 1);
  return { page: rows.slice(0, limit), more: rows.length > limit };
}

/** Cancels a queued job, or asks an active one to stop; a finished job is a 409. */
export async function cancelJob(db: Db, job: Job): Promise<Job> {
  const updated = await requestCancel(db, job.id);
  if (!updated) throw new ProblemError("conflict", { detail: `The job is already ${job.status}.` });
  // A queued job ends here, never reaching a consumer: what it reserved goes back now. An active one releases when it stops.
  // What it was making hears it ended, as when a consumer settles it (a course goes back to DRAFT).
  if (updated.status === "cancelled") {
    await releaseReservations(db, job.id);
    await settleProduct(db, updated);
  }
  return updated;
}

/** Deletes up to 1,000 of the organisation's jobs that finished with `status` before `cutoff`; returns their ids. */
export async function cleanFinishedJobs(db: Db, orgId: string, status: "completed" | "cancelled", cutoff: Date): Promise<string[]> {
  const doomed = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.orgId, orgId), eq(jobs.status, status), lt(jobs.finishedAt, cutoff)))
    .limit(1000);
  const ids = doomed.map((j) => j.id);
  for (let i = 0; i < ids.length; i += DELETE_CHUNK) await db.delete(jobs).where(inArray(jobs.id, ids.slice(i, i + DELETE_CHUNK)));
  return ids;
}
