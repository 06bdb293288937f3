/**
 * One course (GET /v1/courses/{id}): its modules, lessons and quizzes for
 * everyone who sees it; for its owner or an admin, editing the title and
 * description and publishing (PATCH), exporting (POST /v1/courses/{id}/exports,
 * then GET /v1/exports/{id} for the download link) and opening a study room;
 * for a student, enrolling and their progress.
 */
import { ApiError, api, isAbort } from "./api.mjs";
import { announce, busy, errorText, field, find, formatBytes, h, plural } from "./dom.mjs";
import { followJob } from "./job-follow.mjs";
import { courseStatus, progressLine } from "./studio-courses.mjs";

/** @typedef {import("./api-shapes.d.ts").Course} Course */

/** @param {import("./api-shapes.d.ts").CourseModule["quiz"]} quiz */
function quizLine(quiz) {
  if (!quiz) return null;
  // A quiz without questions cannot be taken: it is named, not linked.
  if (!quiz.questionCount) return h("p", { class: "meta" }, `Quiz: ${quiz.title} (no questions yet)`);
  return h("p", {}, h("a", { href: `#/quizzes/${quiz.id}` }, `Quiz: ${quiz.title}`), ` (${plural(quiz.questionCount, "question")})`);
}

/** @param {Course} course */
function contents(course) {
  if (!course.modules.length)
    return h(
      "p",
      {},
      course.status === "GENERATING" ? "The course is still being written; come back in a moment." : "This course has no modules yet.",
    );
  return course.modules.map((module, i) =>
    h(
      "section",
      { "aria-labelledby": `module-${module.id}` },
      h("h3", { id: `module-${module.id}` }, `Module ${i + 1}: ${module.title}`),
      module.summary ? h("p", { class: "hint" }, module.summary) : null,
      h(
        "ol",
        {},
        module.lessons.map((lesson) =>
          h(
            "li",
            {},
            lesson.ready
              ? h("a", { href: `#/courses/${course.id}/lessons/${lesson.id}` }, lesson.title)
              : `${lesson.title} (being written)`,
          ),
        ),
      ),
      quizLine(module.quiz),
    ),
  );
}

/**
 * @param {Course} course
 * @param {HTMLElement} heading
 * @param {HTMLElement} description
 */
function editForm(course, heading, description) {
  const title = h("input", { type: "text", name: "title", required: true, maxlength: "200", value: course.title, class: "wide" });
  const text = h("textarea", { name: "description", maxlength: "5000", value: course.description });
  const save = h("button", { type: "submit" }, "Save changes");
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "edit-title" },
    h("h2", { id: "edit-title" }, "Details"),
    field("Title", title),
    field("Description", text),
    save,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(save, async () => {
      try {
        /** @type {import("./api-shapes.d.ts").UpdatedCourse} */
        const updated = await api(`/v1/courses/${course.id}`, {
          method: "PATCH",
          json: { title: title.value.trim(), description: text.value },
        });
        heading.textContent = updated.title;
        description.textContent = updated.description;
        announce("Saved.");
      } catch (error) {
        announce(errorText(error), { error: true });
      }
    });
  });
  return form;
}

/**
 * @param {Course} course
 * @param {HTMLElement} statusLine
 */
function publishPanel(course, statusLine) {
  const title = h("h2", { id: "publish-title" }, "Publication");
  const panel = h("section", { class: "card", "aria-labelledby": "publish-title" }, title);
  const render = () => {
    const published = course.status === "PUBLISHED";
    const button = h(
      "button",
      { type: "button", class: published ? "secondary" : "" },
      published ? "Unpublish (back to draft)" : "Publish",
    );
    button.disabled = course.status === "GENERATING";
    button.addEventListener("click", () =>
      busy(button, async () => {
        try {
          /** @type {import("./api-shapes.d.ts").UpdatedCourse} */
          const updated = await api(`/v1/courses/${course.id}`, { method: "PATCH", json: { status: published ? "DRAFT" : "PUBLISHED" } });
          Object.assign(course, updated);
          statusLine.replaceChildren(courseStatus(course.status));
          announce(
            course.status === "PUBLISHED"
              ? "The course is published: students can find it in the catalogue."
              : "The course is a draft again: students no longer see it.",
          );
          render();
          panel.querySelector("button")?.focus();
        } catch (error) {
          announce(errorText(error), { error: true });
        }
      }),
    );
    const note = published ? "Students of your organisation can find and enrol in it." : "Only you and admins can see it.";
    panel.replaceChildren(title, h("p", {}, note), button);
  };
  render();
  return panel;
}

/**
 * @param {Course} course
 * @param {AbortSignal} signal
 */
function exportPanel(course, signal) {
  const format = h(
    "select",
    { name: "format" },
    h("option", { value: "pdf" }, "PDF"),
    h("option", { value: "markdown" }, "Markdown"),
    h("option", { value: "json" }, "JSON"),
  );
  const go = h("button", { type: "submit" }, "Export");
  const bar = h("progress", { max: "100", value: "0", id: "export-progress", "aria-label": "Export progress" });
  const state = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "export-title" },
    h("h2", { id: "export-title" }, "Export"),
    field("Format", format),
    go,
    state,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(go, async () => {
      try {
        /** @type {import("./api-shapes.d.ts").StartedExport} */
        const started = await api(`/v1/courses/${course.id}/exports`, { method: "POST", json: { format: format.value }, signal });
        state.replaceChildren(h("p", { class: "row" }, bar, h("span", { id: "export-stage" }, "queued")));
        const job = await followJob(
          started.job.id,
          (j) => {
            bar.value = j.progress;
            find(state, "#export-stage", HTMLSpanElement).textContent = `${j.progress} % · ${j.stage}`;
          },
          { signal },
        );
        if (job.status !== "completed") throw new Error(job.error?.detail ?? job.error?.title ?? "The export failed.");
        /** @type {import("./api-shapes.d.ts").CourseExport} */
        const done = await api(`/v1/exports/${started.export.id}`, { signal });
        if (!done.download) throw new Error("The export finished without a file to download.");
        const size = done.bytes ? ` (${formatBytes(done.bytes)}${done.pages ? `, ${done.pages} pages` : ""})` : "";
        state.replaceChildren(
          h(
            "p",
            {},
            h("a", { href: done.download.url, download: "" }, `Download the ${format.selectedOptions[0]?.textContent} export`),
            size,
            h("span", { class: "meta" }, " · the link works for 15 minutes"),
          ),
        );
        announce("The export is ready to download.");
      } catch (error) {
        if (isAbort(error)) return;
        // The API's problems read as errorText words them; a failed export says what failed in its own words.
        const text = error instanceof Error && !(error instanceof ApiError) ? error.message : errorText(error);
        state.replaceChildren(h("p", { class: "error", role: "alert" }, text));
      }
    });
  });
  return form;
}

/** @param {Course} course */
function studyRoomButton(course) {
  const button = h("button", { type: "button", class: "secondary" }, "Open a study room");
  button.addEventListener("click", () =>
    busy(button, async () => {
      try {
        /** @type {import("./api-shapes.d.ts").CreatedSession} */
        const session = await api("/v1/sessions", { method: "POST", json: { kind: "study-room", courseId: course.id } });
        location.hash = `#/sessions/${session.id}`;
      } catch (error) {
        announce(errorText(error), { error: true });
      }
    }),
  );
  return button;
}

/**
 * @param {Course} course
 * @param {AbortSignal} signal
 */
async function enrolmentPanel(course, signal) {
  const panel = h("section", { class: "card", "aria-labelledby": "enrol-title" }, h("h2", { id: "enrol-title" }, "Your enrolment"));
  /** @type {import("./api-shapes.d.ts").MyCoursesPage} */
  const { items } = await api("/v1/me/courses?limit=100", { signal });
  const mine = items.find((c) => c.id === course.id);
  if (mine) {
    panel.append(progressLine(mine.progress, "course-progress"));
    return panel;
  }
  const button = h("button", { type: "button" }, "Enrol");
  button.addEventListener("click", () =>
    busy(button, async () => {
      try {
        await api(`/v1/courses/${course.id}/enrolment`, { method: "POST" });
        announce(`You are enrolled in ${course.title}.`);
        button.replaceWith(h("p", {}, "You are enrolled. Open a lesson to start."));
      } catch (error) {
        announce(errorText(error), { error: true });
      }
    }),
  );
  panel.append(h("p", {}, "Enrol to keep track of the lessons you read and to take the quizzes."), button);
  return panel;
}

/**
 * @param {import("./studio.mjs").Screen} screen
 * @param {string} courseId
 */
export async function renderCourse({ session, signal }, courseId) {
  /** @type {Course} */
  const course = await api(`/v1/courses/${encodeURIComponent(courseId)}`, { signal });
  const heading = h("h1", {}, course.title);
  const description = h("p", {}, course.description);
  const statusLine = h("span", {}, courseStatus(course.status));
  const canEdit = session.user.role === "admin" || course.ownerId === session.user.id;
  const panels = canEdit
    ? [
        editForm(course, heading, description),
        publishPanel(course, statusLine),
        exportPanel(course, signal),
        h("p", {}, studyRoomButton(course)),
      ]
    : session.user.role === "student"
      ? [await enrolmentPanel(course, signal)]
      : [];
  return h(
    "div",
    {},
    h("p", { class: "meta" }, h("a", { href: canEdit ? "#/courses" : "#/catalogue" }, canEdit ? "All courses" : "Catalogue")),
    heading,
    h("p", { class: "meta" }, statusLine, course.audience ? ` · for ${course.audience}` : ""),
    description,
    panels,
    h("section", { "aria-labelledby": "contents-title" }, h("h2", { id: "contents-title" }, "Contents"), contents(course)),
  );
}
