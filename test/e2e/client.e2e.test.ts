/**
 * The typed client (`@studyhall/client`) against a real `wrangler dev` of
 * every worker: the upload-and-follow example run as a user runs it (plain
 * Node, its own process), the client refreshing tokens the API refuses,
 * problem documents arriving as `StudyhallProblemError`, and a live session
 * joined and resumed over a real WebSocket.
 */
import { spawn } from "node:child_process";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { createStudyhallClient, type StoredTokens, StudyhallProblemError } from "../../packages/client/src/index.ts";

const base = inject("baseUrl");
const root = new URL("../..", import.meta.url).pathname;
const example = new URL("../../packages/client/examples/upload-and-follow.ts", import.meta.url).pathname;

/** A fresh organisation's admin, so rate limits and duplicate-upload checks start from zero here. */
const account = { email: `client-${crypto.randomUUID()}@e2e.studyhall.test`, password: "client-e2e-password" };

/** Runs a Node script to its end; the kill timer only guards against a hang. */
function runNode(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Whatever rejects `run` with, as long as it is a StudyhallProblemError. */
async function problemOf(run: () => Promise<unknown>): Promise<StudyhallProblemError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof StudyhallProblemError) return error;
    throw error;
  }
  throw new Error("expected the call to fail with a problem document");
}

/** An access token with its signature changed: well-formed, but the API refuses it as `invalid-token`. */
const tampered = (token: string) => `${token.slice(0, -6)}${token.endsWith("AAAAAA") ? "BBBBBB" : "AAAAAA"}`;

describe("the typed client against the local platform", () => {
  beforeAll(async () => {
    const client = createStudyhallClient({ baseUrl: base });
    await client.json(
      client.rpc.v1.auth.register.$post({ json: { ...account, name: "Client E2E", organisationName: "Client E2E School" } }),
    );
  });

  it("runs the upload-and-follow example in plain Node: both jobs reach 100 % and it prints the course's outline", async () => {
    const run = await runNode([example, "--base-url", base, "--email", account.email, "--password", account.password], 170_000);
    expect(run.code, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);

    const lines = run.stdout.split("\n");
    for (const kind of ["parse-document", "generate-course"]) {
      const steps = lines.filter((line) => line.startsWith(kind)).map((line) => Number(/^\S+\s+(\d+) %/.exec(line)?.[1]));
      expect(steps.at(-1), run.stdout).toBe(100);
      expect(
        steps.every((p, i) => i === 0 || p >= steps[i - 1]!),
        `progress went down: ${steps.join(", ")}`,
      ).toBe(true);
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${kind}\\s+100 %\\s+completed`)));
    }

    // The outline printed is the course the API holds.
    const header = /^course (\S+) "tracemonkey" \(PUBLISHED\): (\d+) modules$/m.exec(run.stdout);
    expect(header, run.stdout).not.toBeNull();
    const client = createStudyhallClient({ baseUrl: base });
    await client.login(account.email, account.password);
    const course = await client.json(client.rpc.v1.courses[":id"].$get({ param: { id: header![1]! } }));
    expect(course.modules.length).toBeGreaterThan(0);
    expect(Number(header![2])).toBe(course.modules.length);
    for (const module of course.modules) {
      const count = module.quiz?.questionCount;
      const quiz = module.quiz ? `, quiz "${module.quiz.title}" (${count} question${count === 1 ? "" : "s"})` : "";
      expect(lines).toContain(`  ${module.position + 1}. ${module.title}${quiz}`);
      for (const lesson of module.lessons) expect(lines).toContain(`     ${module.position + 1}.${lesson.position + 1} ${lesson.title}`);
    }
  });

  it("refreshes once when the API refuses the access token, retries every waiting request, and rotates the refresh token", async () => {
    const first = createStudyhallClient({ baseUrl: base });
    await first.login(account.email, account.password);
    const signedIn = first.tokens()!;

    const changes: (StoredTokens | null)[] = [];
    const client = createStudyhallClient({
      baseUrl: base,
      tokens: { accessToken: tampered(signedIn.accessToken), refreshToken: signedIn.refreshToken },
      onTokens: (tokens) => changes.push(tokens),
    });
    // Three requests refused at once must share one refresh: a second use of the same refresh token would revoke the login.
    const answers = await Promise.all([1, 2, 3].map(() => client.json(client.rpc.v1.me.$get())));
    for (const me of answers) expect(me.user.email).toBe(account.email);
    expect(changes).toHaveLength(1);
    expect(client.tokens()!.refreshToken).not.toBe(signedIn.refreshToken);

    // Rotation: the refresh token it started with is spent, and presenting it again is caught as reuse.
    const reuse = await problemOf(() => first.refresh());
    expect(reuse).toMatchObject({ type: "refresh-token-reused", status: 401 });
    expect(first.tokens()).toBeNull();
  });

  it("turns problem documents into StudyhallProblemError with type, status, request id and invalid fields", async () => {
    const client = createStudyhallClient({ baseUrl: base });
    const wrong = await problemOf(() => client.login(account.email, "not-the-password"));
    expect(wrong).toMatchObject({ type: "invalid-credentials", status: 401, title: "Email or password is wrong" });
    expect(client.tokens()).toBeNull();

    await client.login(account.email, account.password);
    const missing = await problemOf(() => client.json(client.rpc.v1.courses[":id"].$get({ param: { id: "no-such-course" } })));
    expect(missing).toMatchObject({
      type: "not-found",
      typeUri: "/problems/not-found",
      status: 404,
      instance: "/v1/courses/no-such-course",
    });
    expect(missing.requestId).toMatch(/\S/);

    const invalid = await problemOf(() => client.json(client.rpc.v1.courses.$post({ json: { title: "   " } })));
    expect(invalid).toMatchObject({ type: "validation-failed", status: 400 });
    expect(invalid.invalidParams.map((p) => p.name)).toContain("title");
  });

  it("joins a live session over a WebSocket, checks its frames, and resumes after the last seq it saw", async () => {
    const client = createStudyhallClient({ baseUrl: base });
    await client.login(account.email, account.password);
    const course = await client.json(client.rpc.v1.courses.$post({ json: { title: "Client session course" } }));
    const session = await client.json(client.rpc.v1.sessions.$post({ json: { kind: "study-room", courseId: course.id } }));

    const frames: string[] = [];
    const live = await client.joinSession(session.id, {
      onFrame: (frame) => frames.push(frame.type === "chat" ? `chat:${frame.text}` : frame.type),
    });
    const welcome = await live.ready;
    expect(welcome.session.id).toBe(session.id);
    const before = live.lastSeq!;
    live.send({ type: "chat", text: "hello from the client" });
    await expect.poll(() => frames, { timeout: 10_000 }).toContain("chat:hello from the client");
    expect(live.lastSeq!).toBeGreaterThan(before);
    live.close();
    await live.closed;

    // A returning client names the last seq it holds and is sent what came after: here, the chat message.
    const replayed: string[] = [];
    const again = await client.joinSession(session.id, {
      lastSeq: before,
      onFrame: (frame) => frame.type === "chat" && replayed.push(frame.text),
    });
    await again.ready;
    await expect.poll(() => replayed, { timeout: 10_000 }).toEqual(["hello from the client"]);
    again.close();
  });
});
