/**
 * Neither /metrics nor /readyz can be used to load the database: a flood of
 * calls computes each scope's aggregate (or one round of probes) once per
 * window, every caller sharing it. Each answer says so (`X-Cache`, `Age`, and
 * when it was computed), which is what these tests read.
 */
import { env } from "cloudflare:test";
import { relationalStore } from "@studyhall/db";
import { describe, expect, it } from "vitest";
import { call, newOrg } from "../helpers/api.ts";
import { SCRAPE_TOKEN } from "../helpers/platform.ts";

const FLOOD = 25;

async function flood(path: string, token?: string) {
  const responses = await Promise.all(Array.from({ length: FLOOD }, () => call(path, { token })));
  return Promise.all(
    responses.map(async (r) => ({ status: r.status, cache: r.headers.get("X-Cache"), age: r.headers.get("Age"), body: await r.text() })),
  );
}

const generatedAt = (text: string) => /^# studyhall metrics of .+, generated at (\S+)$/m.exec(text)?.[1];

describe("a flood of scrapes and probes", () => {
  it("of /metrics by the scrape credential computes the platform's figures once", async () => {
    const answers = await flood("/metrics", SCRAPE_TOKEN);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.cache === "MISS")).toHaveLength(1);
    expect(answers.filter((a) => a.cache === "HIT")).toHaveLength(FLOOD - 1);
    expect(new Set(answers.map((a) => generatedAt(a.body))).size).toBe(1);
    expect(generatedAt(answers[0]!.body)).toBeDefined();
  });

  it("of /metrics by an organisation's admin computes that organisation's figures once, apart from the platform's", async () => {
    const admin = await newOrg();
    const answers = await flood("/metrics", admin.token);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.cache === "MISS")).toHaveLength(1);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(answers[0]!.body).toContain(`metrics of organisation ${admin.orgId}`);
    // Another organisation's scrape is its own computation, never the first one's figures.
    const other = await newOrg();
    const theirs = await call("/metrics", { token: other.token });
    expect(theirs.headers.get("X-Cache")).toBe("MISS");
    expect(await theirs.text()).toContain(`metrics of organisation ${other.orgId}`);
  });

  it("of /readyz probes the relational store, KV and R2 once", async () => {
    const answers = await flood("/readyz");
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.cache === "MISS")).toHaveLength(1);
    const checkedAt = new Set(answers.map((a) => JSON.parse(a.body).checkedAt));
    expect(checkedAt.size).toBe(1);
    expect(JSON.parse(answers[0]!.body)).toMatchObject({
      status: "ready",
      checks: { [relationalStore(env)]: { ok: true }, kv: { ok: true }, r2: { ok: true } },
    });
  });
});
