/** Drives the API worker through its real fetch entry point, as a client would. */
import { SELF } from "cloudflare:test";

export const BASE = "https://studyhall.test";

/** A random client address, so per-IP limits of one test never touch another's. */
export function randomIp(): string {
  const b = crypto.getRandomValues(new Uint8Array(3));
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

export interface CallOptions {
  method?: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  ip?: string;
}

export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  if (options.token) headers.set("Authorization", `Bearer ${options.token}`);
  if (options.ip) headers.set("CF-Connecting-IP", options.ip);
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    if (typeof options.body === "string" || options.body instanceof Uint8Array || options.body instanceof FormData)
      body = options.body as BodyInit;
    else {
      body = JSON.stringify(options.body);
      if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
    }
  }
  return SELF.fetch(`${BASE}${path}`, { method: options.method ?? (body ? "POST" : "GET"), headers, body });
}

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies whose shape each assertion states
export async function json<T = any>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

export interface Actor {
  id: string;
  email: string;
  password: string;
  orgId: string;
  role: string;
  token: string;
  refreshToken: string;
  ip: string;
}

function uniqueEmail(label: string): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}@example.test`;
}

async function session(response: Response, password: string, ip: string): Promise<Actor> {
  if (response.status !== 201 && response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  const body = await json(response);
  return {
    id: body.user.id,
    email: body.user.email,
    password,
    orgId: body.user.orgId,
    role: body.user.role,
    token: body.tokens.accessToken,
    refreshToken: body.tokens.refreshToken,
    ip,
  };
}

/** Registers a new organisation; its first user is the admin. */
export async function newOrg(label = "admin"): Promise<Actor> {
  const ip = randomIp();
  const password = "a long enough password";
  const response = await call("/v1/auth/register", {
    ip,
    body: { email: uniqueEmail(label), password, name: `Test ${label}`, organisationName: `Org of ${label}` },
  });
  return session(response, password, ip);
}

/** Invites and registers a member of `by`'s organisation with `role`. */
export async function newMember(by: Actor, role: "admin" | "teacher" | "student", label: string = role): Promise<Actor> {
  const invite = await call("/v1/orgs/invitations", { token: by.token, body: { role } });
  if (invite.status !== 201) throw new Error(`invitation failed: ${invite.status} ${await invite.text()}`);
  const { code } = await json(invite);
  const ip = randomIp();
  const password = "another long password";
  const response = await call("/v1/auth/register", {
    ip,
    body: { email: uniqueEmail(label), password, name: `Test ${label}`, invitationCode: code },
  });
  return session(response, password, ip);
}

/** Asserts that a response is an RFC 9457 problem document and returns it. */
export async function expectProblem(response: Response, status: number, type?: string) {
  const text = await response.text();
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${text}`);
  if (!response.headers.get("Content-Type")?.startsWith("application/problem+json")) {
    throw new Error(`expected application/problem+json, got ${response.headers.get("Content-Type")}: ${text}`);
  }
  const problem = JSON.parse(text);
  if (problem.status !== status) throw new Error(`problem.status ${problem.status} != ${status}`);
  if (!problem.requestId || problem.requestId !== response.headers.get("X-Request-Id"))
    throw new Error("problem without matching request id");
  if (type && problem.type !== `/problems/${type}`) throw new Error(`expected type ${type}, got ${problem.type}`);
  if (/at .+\(.*:\d+:\d+\)|stack|SQLITE|D1_ERROR/i.test(text)) throw new Error(`problem leaks internals: ${text}`);
  return problem;
}
