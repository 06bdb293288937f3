/**
 * /metrics is Prometheus text a real parser reads, with the figures the
 * platform really has, scoped to who asks: the scrape credential and
 * platform operators see the platform's, an organisation's admin only that
 * organisation's, anyone else nothing.
 */
import { chargeTokens as charge, type Job, jobEvent, jobs } from "@studyhall/db";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { type Actor, call, expectProblem, newMember, newOrg } from "../helpers/api.ts";
import { platformOperator, SCRAPE_TOKEN } from "../helpers/platform.ts";
import { testDb } from "../helpers/test-db.ts";

type ParsedFamily = {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string }[];
};

async function scrape(token: string) {
  const response = await call("/metrics", { token });
  expect(response.status).toBe(200);
  expect(response.headers.get("Content-Type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const families = parsePrometheusTextFormat(text) as ParsedFamily[];
  return Object.assign((name: string) => families.find((f) => f.name === name), { text });
}

async function insertJob(owner: Actor, kind: Job["kind"], lane: Job["lane"], status: Job["status"]): Promise<string> {
  const id = crypto.randomUUID();
  const now = Date.now();
  await testDb()
    .insert(jobs)
    .values({
      id,
      orgId: owner.orgId,
      ownerId: owner.id,
      kind,
      status,
      lane,
      stage: status,
      attempts: 1,
      maxAttempts: 4,
      startedAt: new Date(now - 3000),
      finishedAt: status === "completed" ? new Date(now) : null,
      createdAt: new Date(now),
      updatedAt: new Date(now),
    });
  return id;
}

const chargeTokens = (owner: Actor, amount: number) => charge(testDb(), { orgId: owner.orgId, userId: owner.id, amount });

const PLATFORM_ONLY = [
  "studyhall_http_requests_total",
  "studyhall_http_request_duration_ms",
  "studyhall_rate_limit_rejections_total",
  "studyhall_lesson_cache_hits",
  "studyhall_llm_requests_total",
];

describe("/metrics", () => {
  it("is refused without a token, with a wrong one, and to a teacher or a read-only operator", async () => {
    await expectProblem(await call("/metrics"), 401, "unauthenticated");
    await expectProblem(await call("/metrics", { token: `${SCRAPE_TOKEN}x` }), 401, "invalid-token");
    await expectProblem(await call("/metrics", { token: SCRAPE_TOKEN.slice(0, -1) }), 401, "invalid-token");
    const admin = await newOrg();
    await expectProblem(await call("/metrics", { token: (await newMember(admin, "teacher")).token }), 403, "forbidden");
    await expectProblem(
      await call("/metrics", { token: (await newMember(admin, "operator" as never, "operator")).token }),
      403,
      "forbidden",
    );
  });

  it("the scrape credential gets the platform's figures: requests, rate-limit rejections and every organisation's jobs", async () => {
    const admin = await newOrg();
    await call("/v1/me", { token: admin.token });
    await call("/v1/courses/does-not-exist", { token: admin.token });
    await insertJob(admin, "parse-document", "low", "failed");
    const family = await scrape(SCRAPE_TOKEN);

    const requests = family("studyhall_http_requests_total")!;
    expect(requests.type).toBe("COUNTER");
    const me = requests.metrics.find((m) => m.labels?.route === "/v1/me" && m.labels.status === "200");
    expect(Number(me?.value)).toBeGreaterThanOrEqual(1);
    expect(requests.metrics.some((m) => m.labels?.route === "/v1/courses/:id" && m.labels.status === "404")).toBe(true);
    expect(family("studyhall_http_request_duration_ms")?.type).toBe("HISTOGRAM");

    const jobs = family("studyhall_jobs")!;
    const failedLow = jobs.metrics.find(
      (m) => m.labels?.kind === "parse-document" && m.labels.lane === "low" && m.labels.status === "failed",
    );
    expect(Number(failedLow?.value)).toBeGreaterThanOrEqual(1);
    for (const name of ["studyhall_job_retries_total", "studyhall_jobs_dead_lettered_total", "studyhall_llm_tokens_total"])
      expect(family(name)).toBeDefined();
  });

  it("a platform operator's token gets the platform's figures too", async () => {
    const family = await scrape((await platformOperator()).token);
    expect(family("studyhall_http_requests_total")).toBeDefined();
    expect(family("studyhall_jobs")!.metrics.some((m) => m.labels?.kind === "parse-document")).toBe(true);
  });

  it("an organisation's admin sees only that organisation's jobs, retries, dead letters and tokens, and no platform counter", async () => {
    const mine = await newOrg("mine");
    const theirs = await newOrg("theirs");
    await insertJob(mine, "export-course", "normal", "completed");
    await insertJob(mine, "export-course", "normal", "completed");
    const myFailed = await insertJob(mine, "parse-document", "low", "failed");
    const theirFailed = await insertJob(theirs, "session-report", "high", "failed");
    await insertJob(theirs, "export-course", "normal", "completed");
    for (const [jobId, type] of [
      [myFailed, "dead-lettered"],
      [theirFailed, "dead-lettered"],
      [theirFailed, "retrying"],
      [theirFailed, "retrying"],
    ] as const)
      await jobEvent(testDb(), jobId, type, { attempt: 1 });
    await chargeTokens(mine, 1200);
    await chargeTokens(theirs, 50_000);

    const family = await scrape(mine.token);
    const samples = family("studyhall_jobs")!.metrics.map((m) => [m.labels?.kind, m.labels?.lane, m.labels?.status, Number(m.value)]);
    expect(samples.sort()).toEqual([
      ["export-course", "normal", "completed", 2],
      ["parse-document", "low", "failed", 1],
    ]);
    // The parser keeps a histogram's buckets only; its per-kind counts are read from the text.
    expect(family.text.match(/^studyhall_job_duration_seconds_count.*$/gm)).toEqual([
      'studyhall_job_duration_seconds_count{kind="export-course"} 2',
    ]);
    expect(Number(family("studyhall_jobs_dead_lettered_total")!.metrics[0]!.value)).toBe(1);
    expect(Number(family("studyhall_job_retries_total")!.metrics[0]!.value)).toBe(0);
    expect(Number(family("studyhall_llm_tokens_total")!.metrics[0]!.value)).toBe(1200);
    for (const name of PLATFORM_ONLY) expect(family(name)).toBeUndefined();
  });
});
