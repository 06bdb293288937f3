/** Every error is an RFC 9457 problem document with a request id, and leaks nothing internal. */
import { env } from "cloudflare:test";
import { relationalStore } from "@studyhall/db";
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, newMember, newOrg, randomIp } from "../helpers/api.ts";

describe("problem documents", () => {
  it("400 for malformed JSON", async () => {
    const problem = await expectProblem(
      await call("/v1/auth/login", { ip: randomIp(), body: '{"email": "a@b.test", ', headers: { "Content-Type": "application/json" } }),
      400,
      "malformed-json",
    );
    expect(problem.instance).toBe("/v1/auth/login");
  });

  it("400 naming each invalid field", async () => {
    const problem = await expectProblem(
      await call("/v1/auth/login", { ip: randomIp(), body: { email: "not-an-email", password: 3 } }),
      400,
      "validation-failed",
    );
    expect(problem.invalidParams.map((p: { name: string }) => p.name).sort()).toEqual(["email", "password"]);
  });

  it("401 without a token", async () => {
    await expectProblem(await call("/v1/courses"), 401, "unauthenticated");
  });

  it("403 for a role that may not", async () => {
    const admin = await newOrg();
    const student = await newMember(admin, "student");
    await expectProblem(await call("/v1/orgs/members", { token: student.token }), 403, "forbidden");
  });

  it("404 for an unknown route, under /v1 and at the root", async () => {
    const admin = await newOrg();
    await expectProblem(await call("/v1/nothing-here", { token: admin.token }), 404, "not-found");
    await expectProblem(await call("/nothing-here"), 404, "not-found");
  });

  it("405 with Allow for a wrong method", async () => {
    const admin = await newOrg();
    const response = await call("/v1/me", { method: "DELETE", token: admin.token });
    expect(response.headers.get("Allow")).toBe("GET, HEAD");
    await expectProblem(response, 405, "method-not-allowed");
    const login = await call("/v1/auth/login", { method: "GET", ip: randomIp() });
    expect(login.headers.get("Allow")).toBe("POST");
    await expectProblem(login, 405);
  });

  it("413 for a body over the JSON limit", async () => {
    const big = JSON.stringify({ email: "a@b.test", password: "x".repeat(1_100_000) });
    await expectProblem(
      await call("/v1/auth/login", { ip: randomIp(), body: big, headers: { "Content-Type": "application/json" } }),
      413,
      "payload-too-large",
    );
  });

  it("413 also when the body is streamed without a Content-Length", async () => {
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 20) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const { SELF } = await import("cloudflare:test");
    const response = await SELF.fetch("https://studyhall.test/v1/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": randomIp() },
      body: stream,
      // @ts-expect-error -- a streamed request body needs duplex in the fetch types
      duplex: "half",
    });
    await expectProblem(response, 413, "payload-too-large");
  });

  it("415 for a body that is not JSON", async () => {
    const problem = await expectProblem(
      await call("/v1/auth/login", {
        ip: randomIp(),
        body: "email=a@b.test",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      }),
      415,
      "unsupported-media-type",
    );
    expect(problem.detail).toMatch(/application\/json/);
  });

  it("keeps a sane caller-supplied request id and replaces a hostile one", async () => {
    const mine = await call("/healthz", { headers: { "X-Request-Id": "client-trace-12345" } });
    expect(mine.headers.get("X-Request-Id")).toBe("client-trace-12345");
    const hostile = await call("/healthz", { headers: { "X-Request-Id": "<script>alert(1)</script>" } });
    expect(hostile.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("every problem type is described at its URI", async () => {
    const described = await json(await call("/problems/rate-limited"));
    expect(described).toEqual({ type: "/problems/rate-limited", title: "Too many requests", status: 429 });
  });
});

describe("health", () => {
  it("/healthz answers and /readyz checks the relational store (D1 or PostgreSQL), KV and R2", async () => {
    expect(await json(await call("/healthz"))).toEqual({ status: "ok" });
    const ready = await call("/readyz");
    expect(ready.status).toBe(200);
    const body = await json(ready);
    expect(Object.keys(body.checks).sort()).toEqual([relationalStore(env), "kv", "r2"].sort());
    expect(Object.values(body.checks).every((c) => (c as { ok: boolean }).ok)).toBe(true);
  });

  // PostgreSQL through Hyperdrive reads from the primary: there is no bookmark to carry.
  it.skipIf(relationalStore(env) !== "d1")("D1 reads carry a bookmark the client sends back to read its own writes", async () => {
    const admin = await newOrg();
    const created = await call("/v1/courses", { token: admin.token, body: { title: "Fresh" } });
    const bookmark = created.headers.get("X-D1-Bookmark");
    expect(bookmark).toBeTruthy();
    const id = (await json(created)).id;
    const read = await call(`/v1/courses/${id}`, { token: admin.token, headers: { "X-D1-Bookmark": bookmark! } });
    expect(read.status).toBe(200);
    expect(read.headers.get("X-D1-Bookmark")).toBeTruthy();
  });
});
