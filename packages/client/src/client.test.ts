/**
 * The typed client against the API worker's real fetch entry point (inside
 * workerd): route types flowing into calls and bodies, bookmarks carried from
 * one response into the next request, tokens refreshed before they lapse,
 * problem documents as StudyhallProblemError, uploads, and following a job
 * live or, when the stream cannot be opened, by polling.
 */
import { env, SELF } from "cloudflare:test";
import { relationalStore } from "@studyhall/db";
import { describe, expect, expectTypeOf, it } from "vitest";
import { type Actor, BASE, newOrg, randomIp } from "../../../test/helpers/api.ts";
import { createStudyhallClient, type JobView, type StudyhallClientOptions, StudyhallProblemError } from "./index.ts";

interface Exchange {
  method: string;
  path: string;
  sent: Headers;
  status: number;
  received: Headers;
}

/** A client whose requests enter the worker through SELF, from one client address, with every exchange recorded. */
function clientFor(options: Partial<StudyhallClientOptions> & { wrap?: (request: Request) => Promise<Response | undefined> } = {}) {
  const ip = randomIp();
  const exchanges: Exchange[] = [];
  const client = createStudyhallClient({
    baseUrl: BASE,
    ...options,
    fetch: async (input, init) => {
      const request = new Request(input, init);
      request.headers.set("CF-Connecting-IP", ip);
      const response = (await options.wrap?.(request)) ?? (await SELF.fetch(request));
      exchanges.push({
        method: request.method,
        path: new URL(request.url).pathname,
        sent: request.headers,
        status: response.status,
        received: response.headers,
      });
      return response;
    },
  });
  return { client, exchanges };
}

async function signedIn(actor: Actor, options: Parameters<typeof clientFor>[0] = {}) {
  const made = clientFor(options);
  await made.client.login(actor.email, actor.password);
  return made;
}

async function problemOf(run: () => Promise<unknown>): Promise<StudyhallProblemError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof StudyhallProblemError) return error;
    throw error;
  }
  throw new Error("expected a StudyhallProblemError");
}

async function tracemonkey(): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch("https://corpus.test/tracemonkey.pdf")).arrayBuffer());
}

describe("typed RPC calls", () => {
  it("types paths, parameters and bodies from the API's routes, and returns the body of the success response", async () => {
    const { client } = await signedIn(await newOrg("rpc"));
    const created = await client.json(client.rpc.v1.courses.$post({ json: { title: "Typed from the routes" } }));
    const course = await client.json(client.rpc.v1.courses[":id"].$get({ param: { id: created.id } }));

    expect(course).toMatchObject({ id: created.id, title: "Typed from the routes", status: "DRAFT", modules: [] });
    expectTypeOf(course.status).toEqualTypeOf<"DRAFT" | "GENERATING" | "PUBLISHED" | "FAILED">();
    expectTypeOf<(typeof course)["modules"][number]["lessons"][number]["ready"]>().toEqualTypeOf<boolean>();
    // Never run: the compiler checks that a wrong parameter name or body does not pass.
    const wrongCalls = () => [
      // @ts-expect-error the route's parameter is `id`
      client.rpc.v1.courses[":id"].$get({ param: { courseId: created.id } }),
      // @ts-expect-error a course title is a string
      client.rpc.v1.courses.$post({ json: { title: 42 } }),
    ];
    expect(typeof wrongCalls).toBe("function");
  });

  // Only D1 hands out bookmarks; on PostgreSQL every read goes to the primary.
  it.skipIf(relationalStore(env) !== "d1")(
    "sends the D1 bookmark of each response with the next request, so it reads its own writes",
    async () => {
      const { client, exchanges } = await signedIn(await newOrg("bookmark"));
      await client.json(client.rpc.v1.courses.$post({ json: { title: "Written, then read" } }));
      await client.json(client.rpc.v1.courses.$get({ query: {} }));

      const [, write, read] = exchanges;
      const bookmark = write!.received.get("X-D1-Bookmark");
      expect(bookmark).toBeTruthy();
      expect(read!.sent.get("X-D1-Bookmark")).toBe(bookmark);
      expect(client.bookmark()).toBe(read!.received.get("X-D1-Bookmark"));
    },
  );
});

describe("tokens", () => {
  it("refreshes before a request when the access token is about to lapse, and sends the new one", async () => {
    const actor = await newOrg("expiring");
    const { client, exchanges } = clientFor({
      tokens: { accessToken: actor.token, refreshToken: actor.refreshToken, accessExpiresAt: Date.now() },
    });
    const me = await client.json(client.rpc.v1.me.$get());

    expect(me.user.email).toBe(actor.email);
    expect(exchanges.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(["POST /v1/auth/refresh 200", "GET /v1/me 200"]);
    expect(exchanges[1]!.sent.get("Authorization")).toBe(`Bearer ${client.tokens()!.accessToken}`);
    expect(client.tokens()!.refreshToken).not.toBe(actor.refreshToken);
  });

  it("forgets the tokens and reports the refresh's own problem when the refresh token is refused", async () => {
    const { client } = clientFor({ tokens: { accessToken: "not.a.token", refreshToken: "r".repeat(40) } });
    const problem = await problemOf(() => client.json(client.rpc.v1.me.$get()));
    expect(problem).toMatchObject({ type: "invalid-token", status: 401, instance: "/v1/auth/refresh" });
    expect(client.tokens()).toBeNull();
  });
});

describe("problems", () => {
  it("maps a response that is not a problem document to about:blank with the status", async () => {
    const { client } = clientFor({
      wrap: async () =>
        new Response("<h1>Bad gateway</h1>", { status: 502, statusText: "Bad Gateway", headers: { "Content-Type": "text/html" } }),
    });
    const problem = await problemOf(() => client.json(client.rpc.v1.me.$get()));
    expect(problem).toMatchObject({
      type: "about:blank",
      status: 502,
      title: "Bad Gateway",
      detail: "<h1>Bad gateway</h1>",
      invalidParams: [],
    });
  });

  it("carries Retry-After and the problem's request id", async () => {
    const { client } = clientFor({
      wrap: async () =>
        Response.json(
          { type: "/problems/rate-limited", title: "Too many requests", status: 429, instance: "/v1/me", requestId: "req-1" },
          { status: 429, headers: { "Content-Type": "application/problem+json", "Retry-After": "7" } },
        ),
    });
    const problem = await problemOf(() => client.json(client.rpc.v1.me.$get()));
    expect(problem).toMatchObject({ type: "rate-limited", status: 429, retryAfter: 7, requestId: "req-1" });
  });
});

describe("uploads and jobs", () => {
  it("uploads a PDF and follows its job over the event stream to its end", async () => {
    const { client } = await signedIn(await newOrg("upload"));
    const accepted = await client.uploadDocument(await tracemonkey(), { title: "TraceMonkey", generate: false });
    expect(accepted.document).toMatchObject({ title: "TraceMonkey", status: "uploaded" });
    expect(accepted.job).toMatchObject({ kind: "parse-document", status: "queued" });

    await client.json(client.rpc.v1.jobs[":id"].cancel.$post({ param: { id: accepted.job!.id } }));
    const seen: JobView[] = [];
    let fellBack = false;
    const job = await client.followJob(accepted.job!.id, (update) => seen.push(update), { onFallback: () => (fellBack = true) });
    expect(job).toMatchObject({ id: accepted.job!.id, status: "cancelled" });
    expect(seen.map((j) => j.status)).toEqual(["cancelled"]);
    expect(fellBack).toBe(false);
  });

  it("polls when the event stream cannot be opened, reporting each change until the job ends", async () => {
    const actor = await newOrg("polling");
    const { client, exchanges } = await signedIn(actor, {
      wrap: async (request) => (request.url.endsWith("/events") ? new Response("no streaming here", { status: 503 }) : undefined),
    });
    const accepted = await client.uploadDocument(await tracemonkey(), { generate: false });
    const jobId = accepted.job!.id;

    const seen: string[] = [];
    let fallback: unknown;
    const job = await client.followJob(
      jobId,
      (update) => {
        seen.push(update.status);
        // Cancelled on the first sight of it, so the poller sees it change.
        if (update.status === "queued") void client.rpc.v1.jobs[":id"].cancel.$post({ param: { id: jobId } });
      },
      { pollIntervalMs: 20, onFallback: (reason) => (fallback = reason) },
    );
    expect(job.status).toBe("cancelled");
    expect(seen).toEqual(["queued", "cancelled"]);
    expect(fallback).toBeInstanceOf(StudyhallProblemError);
    expect(exchanges.filter((e) => e.path === `/v1/jobs/${jobId}`).length).toBeGreaterThanOrEqual(2);
  });

  it("fails at once, without polling, for a job that is not visible", async () => {
    const { client, exchanges } = await signedIn(await newOrg("nojob"));
    let fellBack = false;
    const problem = await problemOf(() => client.followJob("no-such-job", undefined, { onFallback: () => (fellBack = true) }));
    expect(problem).toMatchObject({ type: "not-found", status: 404 });
    expect(fellBack).toBe(false);
    expect(exchanges.filter((e) => e.path === "/v1/jobs/no-such-job")).toEqual([]);
  });

  it("refuses an upload from a student with a typed 403", async () => {
    const { client } = await signedIn(await newOrg("roles"));
    const invite = await client.json(client.rpc.v1.orgs.invitations.$post({ json: { role: "student" } }));
    const email = `student-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const student = clientFor();
    await student.client.json(
      student.client.rpc.v1.auth.register.$post({
        json: { email, password: "a long enough password", name: "Student", invitationCode: invite.code },
      }),
    );
    await student.client.login(email, "a long enough password");

    const pdf = await tracemonkey();
    const problem = await problemOf(() => student.client.uploadDocument(pdf));
    expect(problem).toMatchObject({ status: 403, type: "forbidden", typeUri: "/problems/forbidden" });
    expect(problem.detail).toMatch(/teacher/);
  });
});
