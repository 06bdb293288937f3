/** /metrics is Prometheus text a real parser reads, for admins only, with the figures the platform really has. */
import { env } from "cloudflare:test";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { call, expectProblem, newMember, newOrg } from "../helpers/api";

type ParsedFamily = { name: string; type: string; metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string }[] };

describe("/metrics", () => {
  it("is refused without a token, and to a teacher", async () => {
    await expectProblem(await call("/metrics"), 401, "unauthenticated");
    const admin = await newOrg();
    const teacher = await newMember(admin, "teacher");
    await expectProblem(await call("/metrics", { token: teacher.token }), 403, "forbidden");
  });

  it("parses as Prometheus text and counts requests, rate-limit rejections and jobs", async () => {
    const admin = await newOrg();
    await call("/v1/me", { token: admin.token });
    await call("/v1/courses/does-not-exist", { token: admin.token });
    await env.DB.prepare("insert into jobs (id, org_id, owner_id, kind, status, lane, progress, stage, attempts, max_attempts, created_at, updated_at) values (?, ?, ?, 'parse-document', 'failed', 'low', 0, 'failed', 4, 4, ?, ?)")
      .bind(crypto.randomUUID(), admin.orgId, admin.id, Date.now(), Date.now())
      .run();
    const response = await call("/metrics", { token: admin.token });
    expect(response.headers.get("Content-Type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusTextFormat(await response.text()) as ParsedFamily[];
    const family = (name: string) => families.find((f) => f.name === name);

    const requests = family("studyhall_http_requests_total")!;
    expect(requests.type).toBe("COUNTER");
    const me = requests.metrics.find((m) => m.labels?.route === "/v1/me" && m.labels.status === "200");
    expect(Number(me?.value)).toBeGreaterThanOrEqual(1);
    expect(requests.metrics.some((m) => m.labels?.route === "/v1/courses/:id" && m.labels.status === "404")).toBe(true);
    expect(family("studyhall_http_request_duration_ms")?.type).toBe("HISTOGRAM");

    const jobs = family("studyhall_jobs")!;
    const failedLow = jobs.metrics.find((m) => m.labels?.kind === "parse-document" && m.labels.lane === "low" && m.labels.status === "failed");
    expect(Number(failedLow?.value)).toBeGreaterThanOrEqual(1);
    for (const name of ["studyhall_job_retries_total", "studyhall_jobs_dead_lettered_total", "studyhall_llm_tokens_total"]) expect(family(name)).toBeDefined();
  });
});
