/**
 * The binding-call count is right: a request whose calls are known reports
 * exactly those, work handed to `waitUntil` is counted apart from the response
 * path, work after the response not at all, and no deployment without the
 * variable tells anyone what its requests do.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { BASE } from "../../../../test/helpers/api.ts";
import { withBindings } from "../../../../test/helpers/with-bindings.ts";
import type { AppEnv } from "../env.ts";
import api from "../index.ts";
import { BINDING_CALLS_HEADER, bindingCalls, COUNT_REQUEST_HEADER, DEFERRED_BINDING_CALLS_HEADER } from "./binding-calls.ts";

function envWith(vars: Record<string, string>): ApiEnv {
  return withBindings(env as ApiEnv, vars);
}

const counting = envWith({ COUNT_BINDING_CALLS: "1" });
const asking = { [COUNT_REQUEST_HEADER]: "1" };

async function send(
  app: { fetch: (request: Request, env: ApiEnv, ctx: ExecutionContext) => Response | Promise<Response> },
  path: string,
  on: ApiEnv,
  headers: Record<string, string> = asking,
): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`${BASE}${path}`, { headers }), on, ctx);
  await response.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return response;
}

/** Known calls of every kind, some on the response path, some handed to waitUntil, one after the response. */
const probe = new Hono<AppEnv>().use(bindingCalls()).get("/probe", async (c) => {
  const session = c.env.DB.withSession("first-unconstrained");
  await session.prepare("select ?1 as n").bind(1).first();
  // A batch is one round trip, however many statements it holds.
  await session.batch([session.prepare("select 1"), session.prepare("select 2")]);
  await c.env.LESSONS.get("binding-calls:missing");
  await c.env.FILES.head("binding-calls/missing");
  await c.env.JOBS_LOW.send({ probe: true });
  await c.env.COUNTERS.getByName("binding-calls-test").snapshot();
  // Off the response path: built inside waitUntil's argument, and a promise handed over after it was made.
  c.executionCtx.waitUntil(c.env.LESSONS.put("binding-calls:written", "x"));
  const head = c.env.FILES.head("binding-calls/later");
  c.executionCtx.waitUntil(head);
  c.executionCtx.waitUntil(
    (async () => {
      await head;
      // After the response: not counted at all.
      await c.env.LESSONS.get("binding-calls:after");
      await c.env.DB.prepare("select 3").first();
    })(),
  );
  return c.json({ ok: true });
});

describe("counting binding calls", () => {
  it("reports exactly the calls a request makes on its response path, and what it handed to waitUntil apart", async () => {
    const response = await send(probe, "/probe", counting);
    expect(response.status).toBe(200);
    expect(response.headers.get(BINDING_CALLS_HEADER)).toBe("kv=1,d1=2,pg=0,do=1,r2=1,queue=1");
    expect(response.headers.get(DEFERRED_BINDING_CALLS_HEADER)).toBe("kv=1,d1=0,pg=0,do=0,r2=1,queue=0");
  });

  it("counts each request on its own when several run at once", async () => {
    const responses = await Promise.all(Array.from({ length: 5 }, () => send(probe, "/probe", counting)));
    for (const response of responses) expect(response.headers.get(BINDING_CALLS_HEADER)).toBe("kv=1,d1=2,pg=0,do=1,r2=1,queue=1");
  });

  it("counts the real readiness probe: D1, KV and R2 once when it probes, nothing when its memo answers", async () => {
    // The isolate's first request also wakes the job sweeper; that call is not /readyz's.
    await send(api, "/healthz", env, {});
    const probed = await send(api, "/readyz", counting);
    expect(probed.status).toBe(200);
    expect(probed.headers.get("X-Cache")).toBe("MISS");
    expect(probed.headers.get(BINDING_CALLS_HEADER)).toBe("kv=1,d1=1,pg=0,do=0,r2=1,queue=0");
    const memoised = await send(api, "/readyz", counting);
    expect(memoised.headers.get("X-Cache")).toBe("HIT");
    expect(memoised.headers.get(BINDING_CALLS_HEADER)).toBe("kv=0,d1=0,pg=0,do=0,r2=0,queue=0");
  });

  it("tells a client nothing where the deployment does not count, even when it asks", async () => {
    const response = await send(api, "/readyz", env);
    expect(response.status).toBe(200);
    expect(response.headers.has(BINDING_CALLS_HEADER)).toBe(false);
    expect(response.headers.has(DEFERRED_BINDING_CALLS_HEADER)).toBe(false);
  });

  it("leaves a request that does not ask unwrapped, where counting is allowed", async () => {
    const response = await send(probe, "/probe", counting, {});
    expect(response.status).toBe(200);
    expect(response.headers.has(BINDING_CALLS_HEADER)).toBe(false);
  });
});
