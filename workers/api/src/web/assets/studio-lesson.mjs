/**
 * A lesson (GET /v1/courses/{id}/lessons/{lessonId}?format=html): the body
 * the server rendered from Markdown, copied through lesson-html.mjs's
 * allow-list; its key terms and source pages; and the previous and next
 * lessons of the course, so a student can read straight through. A student's
 * read is recorded by the server.
 */
import { api } from "./api.mjs";
import { h } from "./dom.mjs";
import { lessonFragment, markdownAsText } from "./lesson-html.mjs";

/** @typedef {import("./api-shapes.d.ts").Course} Course */
/** @typedef {import("./api-shapes.d.ts").Lesson} Lesson */

/** @param {Lesson["sources"][number]} source */
function pages(source) {
  if (source.pageStart === undefined) return `section ${source.sectionIndex + 1}`;
  return source.pageEnd !== undefined && source.pageEnd !== source.pageStart
    ? `pages ${source.pageStart}–${source.pageEnd}`
    : `page ${source.pageStart}`;
}

/**
 * @param {Course} course
 * @param {string} lessonId
 */
function neighbours(course, lessonId) {
  const all = course.modules.flatMap((m) => m.lessons.filter((l) => l.ready || l.id === lessonId));
  const at = all.findIndex((l) => l.id === lessonId);
  /**
   * @param {{ id: string, title: string } | undefined} lesson
   * @param {string} rel
   * @param {string} label
   */
  const link = (lesson, rel, label) =>
    lesson ? h("a", { href: `#/courses/${course.id}/lessons/${lesson.id}`, rel }, `${label}: ${lesson.title}`) : null;
  return h("nav", { "aria-label": "Lessons", class: "row" }, link(all[at - 1], "prev", "Previous"), link(all[at + 1], "next", "Next"));
}

/**
 * @param {import("./studio.mjs").Screen} screen
 * @param {string} courseId
 * @param {string} lessonId
 */
export async function renderLesson({ signal }, courseId, lessonId) {
  /** @type {[Course, Lesson]} */
  const [course, lesson] = await Promise.all([
    api(`/v1/courses/${encodeURIComponent(courseId)}`, { signal }),
    api(`/v1/courses/${encodeURIComponent(courseId)}/lessons/${encodeURIComponent(lessonId)}?format=html`, { signal }),
  ]);
  const body = typeof lesson.bodyHtml === "string" ? lessonFragment(lesson.bodyHtml) : markdownAsText(lesson.bodyMd);
  return h(
    "div",
    {},
    h("p", { class: "meta" }, h("a", { href: `#/courses/${course.id}` }, course.title)),
    h("h1", {}, lesson.title),
    h("article", { class: "lesson", "aria-label": "Lesson text" }, body),
    lesson.keyTerms.length
      ? h(
          "section",
          { "aria-labelledby": "terms-title" },
          h("h2", { id: "terms-title" }, "Key terms"),
          h(
            "dl",
            { class: "terms" },
            lesson.keyTerms.map((t) => [h("dt", {}, t.term), h("dd", {}, t.definition)]),
          ),
        )
      : null,
    lesson.sources.length ? h("p", { class: "meta" }, "From the document: ", lesson.sources.map(pages).join(", "), ".") : null,
    neighbours(course, lesson.id),
  );
}
