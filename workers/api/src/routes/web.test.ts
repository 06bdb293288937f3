/** The studio and dashboard pages and their modules: what the browser is sent, and under which headers. */
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../../test/helpers/api.ts";

const modules = [
  ...["api.mjs", "dom.mjs", "lesson-html.mjs", "signin.mjs", "job-follow.mjs"],
  ...[
    "studio.mjs",
    "studio-upload.mjs",
    "studio-courses.mjs",
    "studio-course.mjs",
    "studio-lesson.mjs",
    "studio-quiz.mjs",
    "studio-sessions.mjs",
  ],
  ...["admin.mjs", "admin-lanes.mjs", "admin-jobs.mjs"],
];

describe("the web pages", () => {
  it("serves the studio and the dashboard as HTML under a strict Content-Security-Policy", async () => {
    for (const [path, script] of [
      ["/", "/web/studio.mjs"],
      ["/admin", "/web/admin.mjs"],
    ] as const) {
      const page = await call(path);
      expect(page.status).toBe(200);
      expect(page.headers.get("Content-Type")).toMatch(/^text\/html/);
      const csp = page.headers.get("Content-Security-Policy") ?? "";
      for (const directive of [
        "default-src 'none'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "require-trusted-types-for 'script'",
      ]) {
        expect(csp).toContain(directive);
      }
      expect(csp).not.toContain("unsafe-inline");
      expect(page.headers.get("X-Content-Type-Options")).toBe("nosniff");
      const html = await page.text();
      expect(html.startsWith("<!doctype html>")).toBe(true);
      // One module script of our own, nothing inline, nothing from elsewhere.
      expect(html.match(/<script/g)).toHaveLength(1);
      expect(html).toContain(`<script type="module" src="${script}"></script>`);
      expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    }
  });

  it("serves every module of both pages as JavaScript; modules import only their siblings and never write HTML from strings", async () => {
    for (const name of modules) {
      const response = await call(`/web/${name}`);
      expect(response.status, name).toBe(200);
      expect(response.headers.get("Content-Type")).toBe("text/javascript; charset=utf-8");
      expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
      const source = await response.text();
      for (const [, target] of source.matchAll(/from "([^"]+)"/g)) expect(target, `${name} imports ${target}`).toMatch(/^\.\/[\w-]+\.mjs$/);
      expect(source, `${name} must not write HTML from strings`).not.toMatch(
        /\.(?:innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write/,
      );
    }
    const css = await call("/web/app.css");
    expect(css.headers.get("Content-Type")).toBe("text/css; charset=utf-8");
  });

  it("answers a repeated request for a module with 304 by its ETag", async () => {
    const first = await call("/web/api.mjs");
    const etag = first.headers.get("ETag");
    expect(etag).toMatch(/^"[0-9a-f]{24}"$/);
    expect(first.headers.get("Cache-Control")).toBe("no-cache");
    const again = await call("/web/api.mjs", { headers: { "If-None-Match": etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });

  it("answers an unknown asset with a 404 problem, and a wrong method with 405", async () => {
    await expectProblem(await call("/web/nothing.mjs"), 404, "not-found");
    await expectProblem(await call("/web/..%2Fapp.ts"), 404, "not-found");
    const post = await call("/admin", { method: "POST", body: {} });
    expect(post.status).toBe(405);
    expect(post.headers.get("Allow")).toBe("GET, HEAD");
  });
});
