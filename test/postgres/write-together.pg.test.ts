/**
 * What D1 writes in one batch, PostgreSQL writes in one transaction
 * (`together`): a statement that fails takes the ones before it back, and a
 * failed job requeued by two requests at once comes back once, its document
 * reopened with it.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requeueFailed } from "../../packages/db/src/job-lifecycle.ts";
import { together } from "../../packages/db/src/write-together.ts";
import { newOwner, type PgStore, schema, startPgStore } from "./pg-store.ts";

let store: PgStore;

beforeAll(async () => {
  store = await startPgStore();
});

afterAll(async () => {
  await store?.stop();
});

async function failedParse() {
  const owner = await newOwner(store.pg);
  const documentId = crypto.randomUUID();
  const jobId = crypto.randomUUID();
  const error = { type: "/problems/pdf-damaged", title: "Damaged", detail: "Damaged.", retryable: false };
  await store.pg.insert(schema.documents).values({
    id: documentId,
    orgId: owner.orgId,
    ownerId: owner.userId,
    title: "Notes",
    r2Key: `documents/${owner.orgId}/${documentId}/source.pdf`,
    sha256: crypto.randomUUID(),
    bytes: 1000,
    status: "failed",
    error,
  });
  const [job] = await store.pg
    .insert(schema.jobs)
    .values({
      id: jobId,
      orgId: owner.orgId,
      ownerId: owner.userId,
      kind: "parse-document",
      status: "failed",
      attempts: 3,
      payload: { documentId, generateCourse: null },
      error,
    })
    .returning();
  return { ...owner, documentId, job: job! };
}

const documentOf = async (id: string) => (await store.pg.select().from(schema.documents).where(eq(schema.documents.id, id)))[0]!;

describe("writing together on PostgreSQL", () => {
  it("a statement that fails takes back every one before it", async () => {
    const { documentId, userId, orgId } = await failedParse();
    const taken = await store.pg.select().from(schema.users).where(eq(schema.users.id, userId));
    const write = together(store.db, (tx) => {
      // The handle `together` gives is the transaction's; here it is PostgreSQL's, typed as the data layer's.
      const pg = tx as unknown as PgStore["pg"];
      return [
        pg.update(schema.documents).set({ title: "Renamed" }).where(eq(schema.documents.id, documentId)),
        // The same email twice: the users' unique index refuses it.
        pg.insert(schema.users).values({ orgId, email: taken[0]!.email, name: "Twin", role: "student" }),
      ] as never;
    });
    await expect(write).rejects.toThrow();
    expect((await documentOf(documentId)).title).toBe("Notes");
  });

  it("a failed job requeued by two requests at once comes back once, and its document with it", async () => {
    const { documentId, job } = await failedParse();
    const [a, b] = await Promise.all([requeueFailed(store.racer(), job as never), requeueFailed(store.racer(), job as never)]);

    expect([a, b].filter(Boolean)).toHaveLength(1);
    const row = (await store.pg.select().from(schema.jobs).where(eq(schema.jobs.id, job.id)))[0]!;
    expect(row).toMatchObject({ status: "queued", attempts: 0, stage: "queued" });
    expect(await documentOf(documentId)).toMatchObject({ status: "uploaded", error: null });
    const requeued = await store.pg.select().from(schema.jobEvents).where(eq(schema.jobEvents.jobId, job.id));
    expect(requeued.filter((e) => e.type === "requeued")).toHaveLength(1);
  });
});
