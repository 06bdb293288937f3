/** Reading lessons: progress recorded for enrolled students only, the cache kept, and Markdown rendered harmlessly. */

import { enrolments, lessonProgress } from "@studyhall/db";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { call, json, newMember, newOrg } from "../helpers/api.ts";
import { db, eventually, seedCourse } from "./learning-fixtures.ts";

async function school() {
  const admin = await newOrg("study-admin");
  const teacher = await newMember(admin, "teacher");
  const student = await newMember(admin, "student");
  return { admin, teacher, student };
}

const readsOf = (userId: string, courseId: string) =>
  db()
    .select()
    .from(lessonProgress)
    .where(and(eq(lessonProgress.userId, userId), eq(lessonProgress.courseId, courseId)));

describe("reading a lesson", () => {
  it("records an enrolled student's read once, with the last activity, and shows in their progress", async () => {
    const { teacher, student } = await school();
    const course = await seedCourse(teacher);
    await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: student.token });
    const path = `/v1/courses/${course.courseId}/lessons/${course.lessonIds[0]}`;
    const first = await call(path, { token: student.token });
    expect(first.status).toBe(200);
    expect(first.headers.get("ETag")).toMatch(/^"[0-9a-f]+"$/);
    await eventually(
      () => readsOf(student.id, course.courseId),
      (rows) => rows.length === 1,
      "the read to be recorded",
    );
    // Reading it again, even answered from the cache or with a 304, counts once.
    await eventually(
      async () => (await call(path, { token: student.token })).headers.get("X-Cache"),
      (h) => h === "HIT",
      "a cache hit",
    );
    const etag = first.headers.get("ETag")!;
    expect((await call(path, { token: student.token, headers: { "If-None-Match": etag } })).status).toBe(304);
    await call(`/v1/courses/${course.courseId}/lessons/${course.lessonIds[1]}`, { token: student.token });
    await eventually(
      () => readsOf(student.id, course.courseId),
      (rows) => rows.length === 2,
      "the second lesson's read",
    );

    const [mine] = (await json(await call("/v1/me/courses", { token: student.token }))).items;
    expect(mine.progress).toMatchObject({ lessonsRead: 2, lessonsTotal: 4, percent: 50, completed: false });
    expect(Date.parse(mine.progress.lastActivityAt)).toBeGreaterThanOrEqual(Date.parse(mine.progress.enrolledAt));
  });

  it("records nothing for a student who is not enrolled, nor for the teacher", async () => {
    const { admin, teacher, student } = await school();
    const course = await seedCourse(teacher);
    const path = `/v1/courses/${course.courseId}/lessons/${course.lessonIds[0]}`;
    expect((await call(path, { token: student.token })).status).toBe(200);
    expect((await call(path, { token: teacher.token })).status).toBe(200);
    // Then an enrolled classmate's read, recorded the same way, so the earlier ones had their chance to be written.
    const classmate = await newMember(admin, "student", "classmate");
    await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: classmate.token });
    await call(path, { token: classmate.token });
    await eventually(
      () => readsOf(classmate.id, course.courseId),
      (r) => r.length === 1,
      "the enrolled read",
    );
    expect(await readsOf(student.id, course.courseId)).toEqual([]);
    expect(await readsOf(teacher.id, course.courseId)).toEqual([]);
    expect((await json(await call("/v1/me/courses", { token: student.token }))).items).toEqual([]);
  });

  it("a lesson id of another course records nothing and is a 404", async () => {
    const { teacher, student } = await school();
    const course = await seedCourse(teacher);
    const other = await seedCourse(teacher);
    await call(`/v1/courses/${course.courseId}/enrolment`, { method: "POST", token: student.token });
    expect((await call(`/v1/courses/${course.courseId}/lessons/${other.lessonIds[0]}`, { token: student.token })).status).toBe(404);
    await call(`/v1/courses/${course.courseId}/lessons/${course.lessonIds[0]}`, { token: student.token });
    const rows = await eventually(
      () => readsOf(student.id, course.courseId),
      (r) => r.length > 0,
      "the real read",
    );
    expect(rows.map((r) => r.lessonId)).toEqual([course.lessonIds[0]]);
    const [enrolment] = await db()
      .select()
      .from(enrolments)
      .where(and(eq(enrolments.userId, student.id), eq(enrolments.courseId, course.courseId)));
    expect(enrolment!.lastActivityAt).not.toBeNull();
  });
});

describe("lesson Markdown as HTML", () => {
  const hostile = [
    "# Trace trees",
    "",
    "A **hot** loop, `code`, and [the paper](https://example.com/paper).",
    "",
    "<script>alert(document.cookie)</script>",
    "",
    "<img src=x onerror=alert(1)>",
    "",
    "[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) [tab](jav&#x09;ascript:alert(1)) [caps](JaVaScRiPt:alert(1))",
    "",
    '<svg onload=alert(1)><iframe src="javascript:alert(1)"></iframe><style>*{}</style>',
  ].join("\n");

  it("?format=html adds bodyHtml: ordinary Markdown renders, no hostile input survives as markup", async () => {
    const { teacher, student } = await school();
    const course = await seedCourse(teacher, { firstLessonBody: hostile });
    const path = `/v1/courses/${course.courseId}/lessons/${course.lessonIds[0]}`;
    const plain = await call(path, { token: student.token });
    expect((await json(plain)).bodyHtml).toBeUndefined();
    const response = await call(`${path}?format=html`, { token: student.token });
    expect(response.status).toBe(200);
    expect(response.headers.get("ETag")).not.toBe(plain.headers.get("ETag"));
    const lesson = await json(response);
    expect(lesson.bodyMd).toBe(hostile);
    const html: string = lesson.bodyHtml;
    expect(html).toContain("<h1>Trace trees</h1>");
    expect(html).toContain("<strong>hot</strong>");
    expect(html).toContain("<code>code</code>");
    expect(html).toContain('<a href="https://example.com/paper" rel="nofollow noopener noreferrer">the paper</a>');
    expect(html).not.toMatch(/<(script|img|svg|iframe|style)/i);
    expect(html.replace(/"[^"]*"/g, '""')).not.toMatch(/<[^>]*\son\w+\s*=/i);
    expect([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).toEqual(["https://example.com/paper"]);
    expect(html).toContain("&lt;script&gt;alert(document.cookie)&lt;/script&gt;");
  });

  it("an unknown format is a validation problem", async () => {
    const { teacher, student } = await school();
    const course = await seedCourse(teacher);
    const response = await call(`/v1/courses/${course.courseId}/lessons/${course.lessonIds[0]}?format=pdf`, { token: student.token });
    expect(response.status).toBe(400);
  });
});
