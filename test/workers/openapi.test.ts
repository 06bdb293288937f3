/** The OpenAPI document and the routes agree: every route is documented, every documented route exists. */
import { describe, expect, it } from "vitest";
import { newApp } from "../../workers/api/src/app.ts";
import { call, json } from "../helpers/api.ts";

// Served by the app but not part of the JSON API they describe.
const UNDOCUMENTED = new Set(["GET /openapi.json", "GET /docs", "GET /", "GET /admin", "GET /web/{name}"]);

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, "{$1}").replace(/\/$/, "") || "/";

describe("OpenAPI", () => {
  it("is served as OpenAPI 3.1 with a docs page", async () => {
    const spec = await json(await call("/openapi.json"));
    expect(spec.openapi).toBe("3.1.0");
    expect(Object.keys(spec.paths).length).toBeGreaterThan(10);
    const page = await call("/docs");
    expect(page.headers.get("Content-Type")).toMatch(/text\/html/);
    expect(await page.text()).toContain("/openapi.json");
  });

  it("documents every route the app serves, and nothing it does not", async () => {
    const spec = await json(await call("/openapi.json"));
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(spec.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    const served = new Set(
      newApp()
        .routes.filter((r) => r.method !== "ALL")
        .map((r) => `${r.method} ${toOpenApiPath(r.path)}`)
        .filter((r) => !UNDOCUMENTED.has(r)),
    );
    expect([...served].filter((r) => !documented.has(r)).sort()).toEqual([]);
    expect([...documented].filter((r) => !served.has(r)).sort()).toEqual([]);
  });

  it("describes errors as problem documents", async () => {
    const spec = await json(await call("/openapi.json"));
    expect(spec.components.schemas.Problem.properties).toHaveProperty("requestId");
    expect(spec.paths["/v1/courses/{id}"].get.responses["404"].content).toHaveProperty("application/problem+json");
  });
});
