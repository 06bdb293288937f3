/**
 * Limits that a check and a write must enforce together, raced on
 * PostgreSQL as requests race them (each on a connection of its own): the
 * monthly token quota's reservations and a quiz's attempt limit. D1 runs one
 * statement at a time; under PostgreSQL's READ COMMITTED two conditional
 * inserts can both pass, so both limits take the spender's lock first
 * (`oneAtATime` in packages/db/src/dialect.ts).
 */
import { loadConfig, ProblemError } from "@studyhall/core";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAttempt } from "../../packages/db/src/quiz-attempt-store.ts";
import { reserveTokens } from "../../packages/db/src/token-reservations.ts";
import { newOwner, type PgStore, schema, startPgStore } from "./pg-store.ts";

let store: PgStore;
const config = loadConfig({});

beforeAll(async () => {
  store = await startPgStore();
});

afterAll(async () => {
  await store?.stop();
});

const reason = (outcome: PromiseSettledResult<unknown>) =>
  outcome.status === "rejected" && outcome.reason instanceof ProblemError ? outcome.reason.type : "other";

describe("limits on PostgreSQL", () => {
  it("20 reservations of a tenth of a student's month at once: exactly 10 are held, the rest refused as over quota", async () => {
    const { orgId, userId } = await newOwner(store.pg);
    const tenth = config.QUOTA_TOKENS_STUDENT / 10;
    const spender = { id: userId, orgId, role: "student" as const };
    const racers = await store.racers(20);
    const outcomes = await Promise.allSettled(racers.map((db) => reserveTokens(db, config, spender, { amount: tenth, jobId: null })));

    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(10);
    expect(outcomes.filter((o) => o.status === "rejected").map(reason)).toEqual(Array(10).fill("quota-exceeded"));
    const held = await store.pg.select().from(schema.tokenReservations).where(eq(schema.tokenReservations.userId, userId));
    expect(held.reduce((sum, r) => sum + r.amount, 0)).toBe(config.QUOTA_TOKENS_STUDENT);
  });

  it("10 starts at once of a quiz that allows one attempt make one attempt; every other start resumes it or is refused", async () => {
    const { orgId, userId } = await newOwner(store.pg);
    const courseId = crypto.randomUUID();
    const quizId = crypto.randomUUID();
    await store.pg.insert(schema.courses).values({ id: courseId, orgId, ownerId: userId, title: "Raced", status: "PUBLISHED" });
    await store.pg.insert(schema.quizzes).values({ id: quizId, courseId, title: "One try", maxAttempts: 1 });
    const [quiz] = await store.pg.select().from(schema.quizzes).where(eq(schema.quizzes.id, quizId));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => startAttempt(store.racer(), { quiz: quiz as never, userId, orgId, limited: true, questions: [] })),
    );

    const attempts = await store.pg.select().from(schema.quizAttempts).where(eq(schema.quizAttempts.quizId, quizId));
    expect(attempts).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === "fulfilled") expect(outcome.value.attempt.id).toBe(attempts[0]!.id);
      else expect(reason(outcome)).toBe("conflict");
    }
  });
});
