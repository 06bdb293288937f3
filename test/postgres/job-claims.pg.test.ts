/**
 * Job claims on PostgreSQL, raced as consumers race them: many claims of one
 * job at once, each on its own connection of the pool. Whatever the store, a
 * job runs once per attempt: one claim wins, every other one is told the job
 * is busy, and only the lease holder's token moves the job on.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimJob, completeJob, failJob } from "../../packages/db/src/job-lifecycle.ts";
import { setLanePaused } from "../../packages/db/src/lane-state.ts";
import { newOwner, type PgStore, schema, startPgStore } from "./pg-store.ts";

let store: PgStore;

beforeAll(async () => {
  store = await startPgStore();
});

afterAll(async () => {
  await store?.stop();
});

async function queuedJob(fields: Partial<typeof schema.jobs.$inferInsert> = {}): Promise<string> {
  const owner = await newOwner(store.pg);
  const id = crypto.randomUUID();
  await store.pg.insert(schema.jobs).values({ id, orgId: owner.orgId, ownerId: owner.userId, kind: "parse-document", ...fields });
  return id;
}

const jobRow = async (id: string) => (await store.pg.select().from(schema.jobs).where(eq(schema.jobs.id, id)))[0]!;
const events = (id: string, type: string) =>
  store.pg
    .select()
    .from(schema.jobEvents)
    .where(and(eq(schema.jobEvents.jobId, id), eq(schema.jobEvents.type, type as "started")));

describe("claims on PostgreSQL", () => {
  it("of 25 claims of one queued job at once, exactly one wins; the rest find it busy", async () => {
    const id = await queuedJob();
    const outcomes = await Promise.all(Array.from({ length: 25 }, () => claimJob(store.racer(), id, 60_000)));

    const winners = outcomes.filter((o) => o.claimed);
    expect(winners).toHaveLength(1);
    expect(outcomes.filter((o) => !o.claimed).map((o) => o.reason)).toEqual(Array(24).fill("busy"));
    const row = await jobRow(id);
    expect(row).toMatchObject({ status: "active", attempts: 1, leaseToken: winners[0]!.claimed ? winners[0]!.leaseToken : "" });
    expect(row.startedAt).toBeInstanceOf(Date);
    expect(await events(id, "started")).toHaveLength(1);
  });

  it("a lease that ran out is taken over by exactly one claim, and the old holder can no longer finish the job", async () => {
    const id = await queuedJob();
    const first = await claimJob(store.db, id, 60_000);
    if (!first.claimed) throw new Error("the first claim must win");
    const startedAt = (await jobRow(id)).startedAt;
    // The consumer died: two minutes later its lease is long gone.
    const later = Date.now() + 120_000;
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => claimJob(store.racer(), id, 60_000, later)));

    const takeovers = outcomes.filter((o) => o.claimed);
    expect(takeovers).toHaveLength(1);
    const row = await jobRow(id);
    expect(row.attempts).toBe(2);
    expect(row.startedAt).toEqual(startedAt);
    expect(await completeJob(store.db, id, first.leaseToken, { stale: true }, later)).toBeUndefined();
    expect(
      await failJob(store.db, id, first.leaseToken, { type: "/problems/x", title: "x", detail: "x", retryable: true }),
    ).toBeUndefined();
    expect((await jobRow(id)).status).toBe("active");
    const winner = takeovers[0]!;
    if (!winner.claimed) throw new Error("unreachable");
    expect(await completeJob(store.db, id, winner.leaseToken, { done: true }, later)).toMatchObject({ status: "completed" });
  });

  it("a lane its organisation holds is not claimed, however many ask; once resumed, one claim wins", async () => {
    const owner = await newOwner(store.pg);
    const id = crypto.randomUUID();
    await store.pg.insert(schema.jobs).values({ id, orgId: owner.orgId, ownerId: owner.userId, kind: "parse-document" });
    await setLanePaused(store.db, owner.orgId, "normal", true, owner.userId);

    const held = await Promise.all(Array.from({ length: 5 }, () => claimJob(store.racer(), id, 60_000)));
    expect(held.map((o) => (o.claimed ? "claimed" : o.reason))).toEqual(Array(5).fill("parked"));
    expect((await jobRow(id)).status).toBe("queued");

    await setLanePaused(store.db, owner.orgId, "normal", false, owner.userId);
    const resumed = await Promise.all(Array.from({ length: 5 }, () => claimJob(store.racer(), id, 60_000)));
    expect(resumed.filter((o) => o.claimed)).toHaveLength(1);
  });
});
