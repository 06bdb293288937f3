/**
 * Recovery starts without a trigger: the API worker's first request makes sure
 * the JobSweeper is scheduled, off the response path, so a platform that just
 * started (under `npm run dev`, its readiness probe) sweeps with no cron.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { JOB_SWEEPER_NAME, objects } from "@studyhall/objects";
import { describe, expect, it, vi } from "vitest";
import { call } from "../helpers/api.ts";

describe("the API worker and the job sweeper", () => {
  it("its first request schedules the sweeper's alarm", async () => {
    const sweeper = objects(env).jobSweeper.getByName(JOB_SWEEPER_NAME);
    expect(await runInDurableObject(sweeper, (_, state) => state.storage.getAlarm())).toBeNull();

    expect((await call("/healthz")).status).toBe(200);
    await vi.waitFor(async () => expect(await runInDurableObject(sweeper, (_, state) => state.storage.getAlarm())).not.toBeNull(), {
      timeout: 10_000,
    });
  });
});
