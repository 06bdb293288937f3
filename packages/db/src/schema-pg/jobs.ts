import type { JobError, JobKind } from "@studyhall/core";
import { index, integer, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import type { JobLane, JobStatus } from "../schema/jobs.ts";
import { createdAt, id, timestamp, updatedAt } from "./columns.ts";
import { orgRef, userRef } from "./references.ts";

/**
 * A unit of background work. This row is the source of truth; a queue message
 * only carries its id, so a lost or repeated message can never lose or double it.
 */
export const jobs = pgTable(
  "jobs",
  {
    id: id(),
    orgId: orgRef(),
    ownerId: userRef("owner_id"),
    kind: text("kind").$type<JobKind>().notNull(),
    status: text("status").$type<JobStatus>().notNull().default("queued"),
    lane: text("lane").$type<JobLane>().notNull().default("normal"),
    /** JSON: the job's input. */
    payload: jsonb("payload"),
    /** JSON: what the job produced (ids of created rows). */
    result: jsonb("result"),
    progress: integer("progress").notNull().default(0),
    stage: text("stage").notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull().default(3),
    /** JSON problem of the last failure. */
    error: jsonb("error").$type<JobError>(),
    idempotencyKey: text("idempotency_key"),
    /** SHA-256 of the request that created the job, to tell a replay from a reuse. */
    requestHash: text("request_hash"),
    leaseExpiresAt: timestamp("lease_expires_at"),
    /** Who holds the lease: a consumer only commits while its token is still the job's. */
    leaseToken: text("lease_token"),
    runAfter: timestamp("run_after"),
    sentAt: timestamp("sent_at"),
    cancelRequestedAt: timestamp("cancel_requested_at"),
    startedAt: timestamp("started_at"),
    finishedAt: timestamp("finished_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("jobs_owner_status_created_idx").on(t.ownerId, t.status, t.createdAt),
    index("jobs_status_lease_idx").on(t.status, t.leaseExpiresAt),
    index("jobs_org_created_idx").on(t.orgId, t.createdAt),
    uniqueIndex("jobs_owner_idempotency_unique").on(t.ownerId, t.idempotencyKey),
  ],
);

// The value lists and row types are D1's: the data layer imports them from this file too, whichever store it is built for.
export * from "../schema/jobs.ts";
