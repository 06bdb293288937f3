/**
 * Fresh teacher accounts for the benchmark, made through the public API as
 * a school would: one organisation registered by its admin, then one
 * invitation and one registration per teacher. Uploads are limited per user
 * (RATE_LIMIT_UPLOADS_PER_MIN) and sign-ups per client IP
 * (RATE_LIMIT_AUTH_PER_MIN), so every registration says it comes from its
 * own address (CF-Connecting-IP, which the API trusts as Cloudflare's).
 */
import { randomUUID } from "node:crypto";
import { postJson } from "../test/e2e/studyhall-client.ts";

export interface Teacher {
  email: string;
  token: string;
}

interface Session {
  user: { id: string; role: string };
  tokens: { accessToken: string };
}

const PASSWORD = "bench password, long enough";

/** 10.x.y.z, distinct for each n below 2^24. */
const addressFor = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

/** Runs `work` over `items` with at most `limit` at once, keeping the order of results. */
export async function inBatches<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return results;
}

/**
 * Registers an organisation and `count` teachers in it.
 *
 * @example
 * const teachers = await registerTeachers(url, 32);
 */
export async function registerTeachers(base: string, count: number): Promise<Teacher[]> {
  return (await registerSchool(base, count)).teachers;
}

/**
 * `registerTeachers`, also handing back the organisation's admin (who can hold the organisation's job lanes).
 *
 * @example
 * const { admin, teachers } = await registerSchool(url, 4);
 */
export async function registerSchool(base: string, count: number): Promise<{ admin: Teacher; teachers: Teacher[] }> {
  const run = randomUUID().slice(0, 8);
  const adminEmail = `bench-admin-${run}@example.test`;
  const admin = await postJson<Session>(
    base,
    "/v1/auth/register",
    { email: adminEmail, password: PASSWORD, name: "Bench Admin", organisationName: `Bench school ${run}` },
    { status: 201, headers: { "CF-Connecting-IP": addressFor(1) } },
  );
  const adminToken = admin.tokens.accessToken;
  // Password hashing is deliberately slow; a few at once keeps the machine responsive.
  const teachers = await inBatches(
    Array.from({ length: count }, (_, i) => i),
    4,
    async (i) => {
      const { code } = await postJson<{ code: string }>(
        base,
        "/v1/orgs/invitations",
        { role: "teacher" },
        { token: adminToken, status: 201 },
      );
      const email = `bench-teacher-${run}-${i}@example.test`;
      const session = await postJson<Session>(
        base,
        "/v1/auth/register",
        { email, password: PASSWORD, name: `Bench Teacher ${i}`, invitationCode: code },
        { status: 201, headers: { "CF-Connecting-IP": addressFor(i + 2) } },
      );
      if (session.user.role !== "teacher") throw new Error(`expected a teacher, got ${session.user.role}`);
      return { email, token: session.tokens.accessToken };
    },
  );
  return { admin: { email: adminEmail, token: adminToken }, teachers };
}
