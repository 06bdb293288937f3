/**
 * The queue dashboard at `/admin` in a real headless Chromium against the
 * real platform. A fresh teacher uploads encrypted-attachment.pdf through the
 * API into the low lane, where it fails; then the demo admin, in the browser,
 * sees the lanes, filters the job list down to that job, opens it, pauses and
 * resumes the low lane for the organisation, sees a lane the platform paused
 * with nothing to lift it, and sees that the failure is permanent, with no retry offered; an operator sees the same
 * dashboard without a single action.
 */
import { randomUUID } from "node:crypto";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type AcceptedUpload, corpusPdf, expectJson, pollJob, signIn, uploadPdf } from "../studyhall-client.ts";
import { openBrowser, type WebBrowser } from "./browser.ts";
import { adminToken, demoAdmin, newPerson, type Person, platformOperator } from "./people.ts";

const base = inject("baseUrl");

async function signInThroughPage(page: Page, person: { email: string; password: string }) {
  await page.getByLabel("Email", { exact: true }).fill(person.email);
  await page.getByLabel("Password", { exact: true }).fill(person.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: "Queue dashboard" }).waitFor();
}

/** The lanes table's cell under `column` in `lane`'s row, as the page shows it. */
async function laneCell(page: Page, lane: string, column: string): Promise<string> {
  const headers = await page.locator("#lanes thead th").allTextContents();
  const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: lane, exact: true }) });
  return (await row.locator("th, td").nth(headers.indexOf(column)).textContent()) ?? "";
}

describe("the queue dashboard in Chromium", () => {
  let browser: WebBrowser;
  let page: Page;
  let teacher: Person;
  let operator: Person;
  let admin: string;
  let ops: string;
  let jobId: string;
  const title = `Locked leaflet ${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    admin = await adminToken(base);
    ops = await signIn(base, platformOperator);
    teacher = await newPerson(base, admin, "teacher", "Tara Uploader");
    operator = await newPerson(base, admin, "operator", "Otto Operator");
    const query = `?title=${encodeURIComponent(title)}&priority=low&generate=false`;
    const accepted = await expectJson<AcceptedUpload>(
      await uploadPdf(base, teacher.token, await corpusPdf("encrypted-attachment.pdf"), query),
      202,
    );
    jobId = accepted.job.id;
    const { job } = await pollJob(base, teacher.token, jobId);
    expect(job.status).toBe("failed");
    browser = await openBrowser("admin");
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    // Whatever happened above, the shared instance's lanes are left running.
    await fetch(`${base}/v1/admin/lanes/low/resume`, { method: "POST", headers: { Authorization: `Bearer ${admin}` } }).catch(() => {});
    await fetch(`${base}/v1/platform/lanes/high/resume`, { method: "POST", headers: { Authorization: `Bearer ${ops}` } }).catch(() => {});
  });

  it("is served with a strict Content-Security-Policy and nosniff", async () => {
    const response = await page.goto(`${base}/admin`);
    expect(response?.status()).toBe(200);
    expect(response!.headers()["content-security-policy"]).toMatch(/script-src 'self'.*object-src 'none'.*frame-ancestors 'none'/);
    expect(response!.headers()["x-content-type-options"]).toBe("nosniff");
    await page.getByRole("heading", { name: "Sign in to the queue dashboard" }).waitFor();
  });

  it("the admin signs in and sees every lane with its counts, the failed upload counted in the low lane", async () => {
    await signInThroughPage(page, demoAdmin);
    await page.getByText(/^Updated /).waitFor();
    for (const lane of ["high", "normal", "low"]) await page.getByRole("rowheader", { name: lane, exact: true }).waitFor();
    expect(Number(await laneCell(page, "low", "Failed"))).toBeGreaterThanOrEqual(1);
    expect(await laneCell(page, "low", "State")).toBe("running");
    await browser.screenshot("lanes");
  });

  it("the job list narrows to the failed upload by status, kind, owner and text", async () => {
    await page.getByLabel("Status", { exact: true }).selectOption("failed");
    await page.getByLabel("Kind", { exact: true }).selectOption("parse-document");
    await page.getByLabel("Owner (email or id)").fill(teacher.email);
    await page.getByLabel("Text", { exact: true }).fill(title);
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("1 job shown.").waitFor();
    const row = page.locator("#jobs tbody tr");
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain(title);
    expect(await row.textContent()).toContain(teacher.email);
    await browser.screenshot("jobs-filtered");

    // Text that matches nothing empties the list.
    await page.getByLabel("Text", { exact: true }).fill(`${title} and nothing else`);
    await page.getByLabel("Text", { exact: true }).press("Enter");
    await page.getByText("0 jobs shown.").waitFor();
    await page.getByLabel("Text", { exact: true }).fill(title);
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("1 job shown.").waitFor();
  });

  it("opening the job shows its payload, its failed attempt with the error, and its event log", async () => {
    await page.getByRole("button", { name: `Open parse-document job ${title}` }).click();
    const detail = page.getByRole("region", { name: "parse-document job" });
    await detail.waitFor();
    expect(await detail.getByText(jobId).count()).toBe(1);
    expect(await detail.locator("dl").nth(1).textContent()).toContain("documentId");
    const attempts = detail.locator("#attempts tbody tr");
    expect(await attempts.count()).toBe(1);
    expect(await attempts.first().textContent()).toMatch(/failed.*password-protected/i);
    const log = await detail.getByRole("log", { name: "Event log" }).textContent();
    expect(log).toMatch(/started/);
    expect(log).toMatch(/failed/);
    await browser.screenshot("job-detail");
  });

  it("pausing the low lane for the organisation shows at once and survives the next updates; resuming it too", async () => {
    await page.getByRole("button", { name: "Pause the low lane for this organisation" }).click();
    await page.getByRole("status").getByText("The low lane is paused for this organisation").waitFor();
    expect(await laneCell(page, "low", "State")).toBe("paused by this organisation");
    // Two more polls later it is still paused: the state is the server's, not the button's.
    const updated = await page.getByText(/^Updated /).textContent();
    await page.waitForFunction((before) => document.getElementById("lanes-updated")?.textContent !== before, updated, { timeout: 15_000 });
    expect(await laneCell(page, "low", "State")).toBe("paused by this organisation");
    await browser.screenshot("lane-paused");

    await page.getByRole("button", { name: "Resume the low lane for this organisation" }).click();
    await page.getByRole("status").getByText("The low lane is running again").waitFor();
    expect(await laneCell(page, "low", "State")).toBe("running");
  });

  it("a lane the platform pauses shows as paused by the platform, with nothing to lift it, until the platform resumes it", async () => {
    const platformSwitch = async (action: "pause" | "resume") =>
      expectJson<{ pausedBy: string | null }>(
        await fetch(`${base}/v1/platform/lanes/high/${action}`, { method: "POST", headers: { Authorization: `Bearer ${ops}` } }),
        200,
      );
    expect((await platformSwitch("pause")).pausedBy).toBe("platform");
    const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "high", exact: true }) });
    await row.getByText("paused by the platform").waitFor({ timeout: 15_000 });
    expect(await row.getByRole("button").count()).toBe(0);
    expect(await laneCell(page, "high", "Action")).toBe("Only the platform can resume it");
    await browser.screenshot("lane-paused-by-platform");

    expect((await platformSwitch("resume")).pausedBy).toBeNull();
    await row.getByRole("button", { name: "Pause the high lane for this organisation" }).waitFor({ timeout: 15_000 });
    expect(await laneCell(page, "high", "State")).toBe("running");
  });

  it("a job that failed permanently offers no retry and says why, and the API refuses one asked for anyway", async () => {
    const detail = page.getByRole("region", { name: "parse-document job" });
    await detail.locator("#retry-note").waitFor();
    expect(await detail.locator("#retry-note").textContent()).toMatch(
      /^Failed permanently: .*password-protected.*would fail the same way/i,
    );
    expect(await detail.getByRole("button", { name: "Retry this job" }).count()).toBe(0);
    // Running a password-protected PDF again would fail the same way: the retry is a 409 naming why, and the job stays as it was.
    const refused = await fetch(`${base}/v1/admin/jobs/${jobId}/retry`, { method: "POST", headers: { Authorization: `Bearer ${admin}` } });
    expect(refused.status).toBe(409);
    const problem = (await refused.json()) as { detail: string; jobError: string };
    expect(problem.detail).toMatch(/failed permanently: .*password-protected.*would fail the same way/i);
    expect(problem.jobError).toBe("/problems/pdf-encrypted");
    const after = await expectJson<{ status: string; attempts: number }>(
      await fetch(`${base}/v1/jobs/${jobId}`, { headers: { Authorization: `Bearer ${teacher.token}` } }),
      200,
    );
    expect(after).toMatchObject({ status: "failed", attempts: 1 });
    await browser.screenshot("job-failed-permanently");
  });

  it("an operator sees the lanes and the job, without any action", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to the queue dashboard" }).waitFor();
    await signInThroughPage(page, operator);
    await page.getByText("Read-only: as an operator").waitFor();
    await page.getByRole("rowheader", { name: "low", exact: true }).waitFor();
    expect(await page.getByRole("button", { name: /^(Pause|Resume) the/ }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Retry all failed jobs" }).isVisible()).toBe(false);
    await page.getByLabel("Text", { exact: true }).fill(title);
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("1 job shown.").waitFor();
    await page.getByRole("button", { name: `Open parse-document job ${title}` }).click();
    const detail = page.getByRole("region", { name: "parse-document job" });
    await detail.waitFor();
    expect(await detail.getByRole("button", { name: "Retry this job" }).count()).toBe(0);
    await browser.screenshot("operator");
  });

  it("showed no console error, uncaught exception or failed request on the way", () => {
    expect(browser.problems).toEqual([]);
  });
});
