/**
 * Running a failed job again, as its owner, an admin and a platform operator
 * ask for it: a job that failed for good is refused with a 409 that says why,
 * one whose cause can have changed (a quota, a delivery) goes back.
 */
import { tokenReservations, usageLedger, usagePeriod } from "@studyhall/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type Actor, call, expectProblem, json, newMember, newOrg } from "../../../test/helpers/api.ts";
import { fakeModel } from "./fake-llm.ts";
import { corpusPdf, db, deliver, jobRow, runToEnd } from "./run-jobs.ts";

const upload = async (actor: Actor, name: string) =>
  json(
    await call("/v1/documents?generate=false", {
      token: actor.token,
      body: await corpusPdf(name),
      headers: { "Content-Type": "application/pdf" },
    }),
  );
const retry = (actor: Actor, jobId: string, admin = false) =>
  call(`/v1/${admin ? "admin/" : ""}jobs/${jobId}/retry`, { token: actor.token, method: "POST" });

/** Spends `amount` of the user's month elsewhere, straight into the ledger; returns the ledger row's id. */
async function spendElsewhere(actor: Actor, amount: number): Promise<string> {
  const id = crypto.randomUUID();
  await db()
    .insert(usageLedger)
    .values({ id, orgId: actor.orgId, userId: actor.id, period: usagePeriod(new Date()), amount });
  return id;
}

describe(".error: a job that failed permanently", () => {
  it("a password-protected PDF's parse is refused by every retry with a 409 that says why, and stays failed", async () => {
    const admin = await newOrg();
    const teacher = await newMember(admin, "teacher");
    const locked = await upload(teacher, "encrypted-attachment.pdf");
    const failed = (await runToEnd(locked.job.id)).job;
    expect(failed).toMatchObject({ status: "failed", error: { type: "/problems/pdf-encrypted", retryable: false } });

    for (const response of [await retry(teacher, locked.job.id), await retry(admin, locked.job.id, true)]) {
      const problem = await expectProblem(response, 409, "conflict");
      expect(problem.detail).toBe("This job failed permanently: The PDF is password-protected; running it again would fail the same way.");
      expect(problem.jobError).toBe("/problems/pdf-encrypted");
    }
    const bulk = await json(await call("/v1/admin/jobs/retry-failed", { token: admin.token, body: { kind: "parse-document" } }));
    expect(bulk).toEqual({ count: 0, jobIds: [], quotaExceeded: [], failedPermanently: [locked.job.id] });
    expect(await jobRow(locked.job.id)).toMatchObject({ status: "failed", attempts: failed.attempts, error: failed.error });
  });
});

describe(".happy: a job whose cause can have changed", () => {
  it("a job the queue gave up delivering goes back, and runs", async () => {
    const teacher = await newMember(await newOrg(), "teacher");
    const accepted = await upload(teacher, "tracemonkey.pdf");
    await deliver(accepted.job.id, { queue: "studyhall-jobs-dead", attempts: 11 });
    expect(await jobRow(accepted.job.id)).toMatchObject({
      status: "failed",
      error: { type: "/problems/job-dead-lettered", retryable: false },
    });

    const retried = await retry(teacher, accepted.job.id);
    expect(retried.status).toBe(202);
    expect(await json(retried)).toMatchObject({ status: "queued", attempts: 0 });
    expect((await runToEnd(accepted.job.id)).job.status).toBe("completed");
  });

  it("a job that ran out of quota is a 429 while the quota is still spent, and goes back once it allows", async () => {
    const teacher = await newMember(await newOrg(), "teacher");
    const paper = await upload(teacher, "tracemonkey.pdf");
    await runToEnd(paper.job.id);
    const asked = await json(
      await call("/v1/questions/generate", { token: teacher.token, body: { count: 2, difficulty: "easy", documentId: paper.document.id } }),
    );
    const [reservation] = await db().select().from(tokenReservations).where(eq(tokenReservations.jobId, asked.id));
    // The rest of the month goes elsewhere, and the model's reply claims more than the job reserved.
    const elsewhere = await spendElsewhere(teacher, 1_000_000 - reservation!.amount);
    const { job } = await runToEnd(asked.id, 20, { env: fakeModel("usage-400000").env });
    expect(job).toMatchObject({ status: "failed", error: { type: "/problems/quota-exceeded", retryable: false } });

    await expectProblem(await retry(teacher, job.id), 429, "quota-exceeded");
    expect((await jobRow(job.id)).status).toBe("failed");

    // A new month, as far as this quota is concerned: what was spent elsewhere is gone.
    await db().delete(usageLedger).where(eq(usageLedger.id, elsewhere));
    const retried = await retry(teacher, job.id);
    expect(retried.status).toBe(202);
    expect(await json(retried)).toMatchObject({ status: "queued", attempts: 0 });
    expect((await runToEnd(job.id, 20, { env: fakeModel("ok").env })).job.status).toBe("completed");
  });
});
