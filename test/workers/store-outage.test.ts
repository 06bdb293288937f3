/**
 * The relational store unreachable under a request, on either store: D1
 * answering with its outage error, or PostgreSQL refusing Hyperdrive's
 * connection. Both are a 503 problem saying when to try again, with the
 * request id, and nothing of what the store or its driver said; the log keeps
 * the cause beside the request id. Back up, the same request answers.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import api from "../../workers/api/src/index.ts";
import { BASE, call, expectProblem, newMember, newOrg } from "../helpers/api.ts";
import { unreachableStore } from "../helpers/failing-bindings.ts";
import { withBindings } from "../helpers/with-bindings.ts";
import { seedCourse } from "./learning-fixtures.ts";

afterEach(() => vi.restoreAllMocks());

describe("the store unreachable under a request", () => {
  it("is a 503 problem with Retry-After and the request id, saying nothing of what the store said", async () => {
    const teacher = await newMember(await newOrg(), "teacher");
    const course = await seedCourse(teacher, { modules: 1, lessonsPerModule: 1, questionsPerQuiz: 1 });
    const path = `/v1/courses/${course.courseId}`;
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});

    const ctx = createExecutionContext();
    const request = new Request(`${BASE}${path}`, {
      headers: { Authorization: `Bearer ${teacher.token}`, "CF-Connecting-IP": teacher.ip },
    });
    const response = await api.fetch(request, withBindings(env, unreachableStore(env)), ctx);
    await waitOnExecutionContext(ctx);

    expect(response.headers.get("Retry-After")).toBe("5");
    const text = await response.clone().text();
    expect(text).not.toMatch(/select|users|connect|network|127\.0\.0\.1|D1_ERROR|postgres/i);
    const problem = await expectProblem(response, 503, "service-unavailable");
    expect(problem.detail).toMatch(/try again/i);
    const line = logged.mock.calls
      .flat()
      .join("\n")
      .split("\n")
      .find((l) => l.includes(problem.requestId));
    expect(line).toMatch(/"causes":\[[^\]]*(Network connection lost|cannot connect)/);

    // Back up, the same read answers.
    expect((await call(path, { token: teacher.token, ip: teacher.ip })).status).toBe(200);
  });
});
