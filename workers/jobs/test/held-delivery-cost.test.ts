/**
 * What a delivery costs D1 when its lane is held: the claim and the park go as
 * one batch, so a paused lane flooded with messages costs one round trip per
 * message, not two. Counted through the D1 binding the consumer is given.
 */
import { env } from "cloudflare:test";
import { insertJob, markSent, setLanePaused } from "@studyhall/db";
import { describe, expect, it } from "vitest";
import { newOrg } from "../../../test/helpers/api.ts";
import { failingD1 } from "../../../test/helpers/failing-bindings.ts";
import { withBindings } from "../../../test/helpers/with-bindings.ts";
import { db, deliver, jobRow, lowLaneJob } from "./run-jobs.ts";

/** The consumer's bindings, with D1 seen through a wrapper that fails nothing and notes each execution's SQL. */
function observedD1() {
  const executions: string[][] = [];
  const observed = failingD1(env.DB, {
    when: (sql) => {
      executions.push(sql);
      return false;
    },
  });
  return { executions, env: withBindings(env as unknown as JobsEnv, { DB: observed.binding }) };
}

describe("a delivery to a held lane", () => {
  it("is parked in one D1 round trip, and so is every redelivery", async () => {
    const admin = await newOrg();
    const job = lowLaneJob(admin);
    await insertJob(db(), job);
    await markSent(db(), [job.id]);
    await setLanePaused(db(), admin.orgId, "low", true, admin.id);
    try {
      for (let delivery = 1; delivery <= 2; delivery++) {
        const observed = observedD1();
        expect((await deliver(job.id, { env: observed.env })).explicitAcks).toHaveLength(1);
        expect(observed.executions).toHaveLength(1);
        // One batch: the claim, refused by the lane, and the park that took its place.
        expect(observed.executions[0]).toHaveLength(2);
        expect(await jobRow(job.id)).toMatchObject({ status: "queued", attempts: 0, sentAt: null });
      }
    } finally {
      await setLanePaused(db(), admin.orgId, "low", false, admin.id);
    }
  });
});
