/**
 * Lists of courses: a teacher's courses (GET /v1/courses), the catalogue a
 * student may enrol from (GET /v1/catalogue, POST /v1/courses/{id}/enrolment)
 * and a student's own courses with their progress (GET /v1/me/courses).
 */
import { api } from "./api.mjs";
import { announce, badge, busy, errorText, formatDate, h, plural } from "./dom.mjs";

/** @typedef {import("./studio.mjs").Screen} Screen */
/** @typedef {import("./api-shapes.d.ts").Progress} Progress */
/** @typedef {{ id: string, title: string }} CourseRef */

/** @type {Record<string, string>} */
const statusWord = { DRAFT: "Draft", GENERATING: "Being written", PUBLISHED: "Published", FAILED: "Failed" };
export const courseStatus = (/** @type {string} */ status) => badge(statusWord[status] ?? status, status);

const courseLink = (/** @type {CourseRef} */ course) => h("a", { href: `#/courses/${course.id}` }, course.title);

/** @param {Screen} screen */
export async function renderCourseList({ signal }) {
  /** @type {import("./api-shapes.d.ts").CoursePage} */
  const { items } = await api("/v1/courses?limit=100", { signal });
  const list = items.length
    ? h(
        "ul",
        { class: "list", "aria-label": "Your courses" },
        items.map((course) =>
          h(
            "li",
            {},
            h("h2", {}, courseLink(course)),
            h("p", { class: "meta" }, courseStatus(course.status), ` · created ${formatDate(course.createdAt)}`),
            course.description ? h("p", {}, course.description) : null,
          ),
        ),
      )
    : h("p", {}, "No courses yet. ", h("a", { href: "#/upload" }, "Upload a PDF"), " to make one.");
  return h("div", {}, h("h1", {}, "Courses"), h("p", {}, h("a", { class: "button", href: "#/upload" }, "Upload a PDF")), list);
}

/**
 * @param {CourseRef} course
 * @param {() => void} onDone
 */
function enrolButton(course, onDone) {
  const button = h("button", { type: "button", "aria-label": `Enrol in ${course.title}` }, "Enrol");
  button.addEventListener("click", () =>
    busy(button, async () => {
      try {
        await api(`/v1/courses/${course.id}/enrolment`, { method: "POST" });
        announce(`You are enrolled in ${course.title}.`);
        onDone();
      } catch (error) {
        announce(errorText(error), { error: true });
      }
    }),
  );
  return button;
}

/** @param {Screen} screen */
export async function renderCatalogue({ session, signal }) {
  /** @type {import("./api-shapes.d.ts").CataloguePage} */
  const { items } = await api("/v1/catalogue?limit=100", { signal });
  // Only students enrol; anyone else who sees the catalogue (an operator) can look inside.
  const mayEnrol = session.user.role === "student";
  const entry = (/** @type {(typeof items)[number]} */ course) => {
    const state = h("p", { class: "row" });
    const enrolled = () => state.replaceChildren(badge("Enrolled", "completed"), h("a", { href: `#/courses/${course.id}` }, "Study it"));
    if (course.enrolled) enrolled();
    else if (!mayEnrol) state.replaceChildren(h("a", { href: `#/courses/${course.id}` }, "Look inside"));
    else state.replaceChildren(enrolButton(course, enrolled), h("a", { href: `#/courses/${course.id}` }, "Look inside"));
    return h("li", {}, h("h2", {}, courseLink(course)), course.description ? h("p", {}, course.description) : null, state);
  };
  return h(
    "div",
    {},
    h("h1", {}, "Catalogue"),
    items.length
      ? h("ul", { class: "list", "aria-label": "Courses you can enrol in" }, items.map(entry))
      : h("p", {}, "No published courses yet."),
  );
}

/**
 * A student's progress in a course, as a labelled bar and in words.
 * @param {Progress} progress
 * @param {string} id
 */
export function progressLine(progress, id) {
  return h(
    "p",
    { class: "row" },
    h("label", { for: id }, "Progress"),
    h("progress", { id, max: "100", value: String(progress.percent) }),
    `${progress.percent} % · ${progress.lessonsRead} of ${plural(progress.lessonsTotal, "lesson")} read · ${progress.quizzesPassed} of ${plural(progress.quizzesTotal, "quiz", "quizzes")} passed`,
    progress.completed ? badge("Completed", "completed") : null,
  );
}

/** @param {Screen} screen */
export async function renderMyCourses({ signal }) {
  /** @type {import("./api-shapes.d.ts").MyCoursesPage} */
  const { items } = await api("/v1/me/courses?limit=100", { signal });
  return h(
    "div",
    {},
    h("h1", {}, "My courses"),
    items.length
      ? h(
          "ul",
          { class: "list", "aria-label": "Courses you are enrolled in" },
          items.map((course, i) => h("li", {}, h("h2", {}, courseLink(course)), progressLine(course.progress, `progress-${i}`))),
        )
      : h("p", {}, "You are not enrolled in any course yet. ", h("a", { href: "#/catalogue" }, "Find one in the catalogue"), "."),
  );
}
