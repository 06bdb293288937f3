/**
 * Platform scope is not an organisation role: only the configuration
 * (PLATFORM_OPERATOR_IDS) makes a platform operator. No organisation admin,
 * however made (registering, an invitation, a role change, even inside the
 * operators' own organisation), reaches a /v1/platform route.
 */
import { describe, expect, it } from "vitest";
import { type Actor, call, expectProblem, json, newMember, newOrg, randomIp } from "../helpers/api.ts";
import { platformOperator } from "../helpers/platform.ts";

const platformRoutes: { path: string; method: string; body?: unknown }[] = [
  { path: "/v1/platform/queues", method: "GET" },
  { path: "/v1/platform/jobs", method: "GET" },
  { path: "/v1/platform/lanes/normal/pause", method: "POST" },
  { path: "/v1/platform/lanes/normal/resume", method: "POST" },
  { path: "/v1/platform/jobs/requeue-dead", method: "POST", body: {} },
];

async function expectShutOut(actor: Actor) {
  for (const route of platformRoutes)
    await expectProblem(await call(route.path, { token: actor.token, method: route.method, body: route.body }), 403, "forbidden");
}

describe("/v1/platform", () => {
  it("answers 401 without a token and 403 to every organisation role, and a refused pause holds nothing", async () => {
    for (const route of platformRoutes) await expectProblem(await call(route.path, { method: route.method, body: route.body }), 401);
    const admin = await newOrg();
    await expectShutOut(admin);
    await expectShutOut(await newMember(admin, "teacher"));
    await expectShutOut(await newMember(admin, "operator" as never, "operator"));
    const ops = await platformOperator();
    const normal = (await json(await call("/v1/platform/queues", { token: ops.token }))).lanes.find(
      (l: { lane: string }) => l.lane === "normal",
    );
    expect(normal).toMatchObject({ paused: false, pausedBy: null });
  });

  it("registering an organisation, even one named like the operators', makes no platform operator", async () => {
    const ip = randomIp();
    const response = await call("/v1/auth/register", {
      ip,
      body: {
        email: `ops-${crypto.randomUUID().slice(0, 8)}@studyhall.test`,
        password: "a long enough password",
        name: "Pat Platform",
        organisationName: "studyhall platform",
      },
    });
    expect(response.status).toBe(201);
    const body = await json(response);
    await expectShutOut({
      id: body.user.id,
      email: body.user.email,
      password: "",
      orgId: body.user.orgId,
      role: "admin",
      token: body.tokens.accessToken,
      refreshToken: "",
      ip,
    });
    // Nor can anyone take the operator's own email.
    await expectProblem(
      await call("/v1/auth/register", {
        ip: randomIp(),
        body: { email: "ops@studyhall.test", password: "a long enough password", name: "Mallory", organisationName: "Mallory's" },
      }),
      409,
    );
  });

  it("an admin invited into the operators' own organisation, or promoted to admin there, is no platform operator", async () => {
    const ops = await platformOperator();
    const invitedAdmin = await newMember(ops, "admin");
    expect(invitedAdmin.orgId).toBe(ops.orgId);
    await expectShutOut(invitedAdmin);

    const teacher = await newMember(ops, "teacher");
    expect((await call(`/v1/orgs/members/${teacher.id}`, { token: ops.token, method: "PATCH", body: { role: "admin" } })).status).toBe(200);
    // The same token: the role is read from the account on every request, the platform scope from the configuration.
    expect((await json(await call("/v1/me", { token: teacher.token }))).user.role).toBe("admin");
    await expectShutOut(teacher);
  });

  it("the account listed in the configuration reaches the platform routes", async () => {
    const ops = await platformOperator();
    expect((await call("/v1/platform/queues", { token: ops.token })).status).toBe(200);
    expect((await call("/v1/platform/jobs", { token: ops.token })).status).toBe(200);
  });
});
