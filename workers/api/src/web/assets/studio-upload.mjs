/**
 * Upload a PDF (POST /v1/documents, multipart) and watch it become a course:
 * the parse job, then the course job it starts, each followed live with a
 * progress bar and its current stage, ending with a link to the course.
 */
import { api, isAbort } from "./api.mjs";
import { announce, errorText, field, h } from "./dom.mjs";
import { followJob } from "./job-follow.mjs";

/** @typedef {import("./api-shapes.d.ts").AcceptedUpload} AcceptedUpload */
/** @typedef {import("./api-shapes.d.ts").Job} Job */
/**
 * What the API types only as JSON: a parse job's result names the course job it started, if any; a course
 * job's result, the course and what it holds.
 * @typedef {{ courseJobId?: string }} ParseResult
 * @typedef {{ courseId?: string, modules?: number, lessons?: number, questions?: number }} CourseResult
 */

/**
 * One step of the pipeline: a labelled progress bar, its percentage and stage.
 * @param {string} id
 * @param {string} name
 */
function step(id, name) {
  const bar = h("progress", { id, max: "100", value: "0", "aria-labelledby": `${id}-name` });
  const percent = h("span", { class: "pct", id: `${id}-pct` }, "waiting");
  const stage = h("span", { class: "meta", id: `${id}-stage` });
  const item = h("li", {}, h("span", { class: "step-name", id: `${id}-name` }, name), bar, percent, stage);
  let lastStage = "";
  return {
    item,
    /** @param {Job} job */
    update(job) {
      bar.value = job.progress;
      bar.setAttribute("aria-valuetext", `${job.progress} %, ${job.stage}`);
      percent.textContent = `${job.progress} %`;
      stage.textContent = job.status === "failed" ? "failed" : job.stage;
      // Read out when the stage changes, not at every percent.
      if (job.stage !== lastStage) announce(`${name}: ${job.stage} (${job.progress} %)`);
      lastStage = job.stage;
    },
  };
}

const failure = (/** @type {Job} */ job) =>
  h("p", { class: "error", role: "alert" }, `${job.error?.title ?? "The job failed"}${job.error?.detail ? `: ${job.error.detail}` : "."}`);

/** @param {import("./studio.mjs").Screen} screen */
export async function renderUpload({ signal }) {
  const file = h("input", { type: "file", name: "file", accept: "application/pdf,.pdf", required: true });
  const title = h("input", { type: "text", name: "title", maxlength: "200", autocomplete: "off", class: "wide" });
  const submit = h("button", { type: "submit" }, "Upload and make a course");
  const error = h("p", { class: "error", role: "alert" });
  const progress = h("section", { "aria-labelledby": "progress-title", hidden: true });

  const form = h(
    "form",
    { class: "card" },
    field("PDF file", file, "Up to 50 MB. A scanned PDF without text cannot be read."),
    field("Title (optional)", title, "Leave empty to use the document's own title."),
    error,
    submit,
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const chosen = file.files?.[0];
    if (!chosen) {
      error.textContent = "Choose a PDF file first.";
      file.focus();
      return;
    }
    const body = new FormData();
    body.set("file", chosen, chosen.name);
    if (title.value.trim()) body.set("title", title.value.trim());
    submit.disabled = true;
    try {
      announce(`Uploading ${chosen.name}…`);
      /** @type {AcceptedUpload} */
      const accepted = await api("/v1/documents", { method: "POST", body, signal });
      await follow(progress, accepted, signal);
    } catch (failed) {
      if (!isAbort(failed)) error.textContent = errorText(failed);
    } finally {
      submit.disabled = false;
    }
  });

  return h(
    "div",
    {},
    h("h1", {}, "Upload a PDF"),
    h("p", { class: "hint" }, "The PDF is read, then a course with lessons and quizzes is written from it. You can follow both here."),
    form,
    progress,
  );
}

/**
 * @param {HTMLElement} section
 * @param {AcceptedUpload} accepted
 * @param {AbortSignal} signal
 */
async function follow(section, accepted, signal) {
  const parse = step("step-parse", "Reading the PDF");
  const course = step("step-course", "Writing the course");
  const outcome = h("div", { "aria-live": "polite" });
  section.replaceChildren(
    h("h2", { id: "progress-title" }, `Progress of “${accepted.document.title}”`),
    h("ol", { class: "steps" }, parse.item, course.item),
    outcome,
  );
  section.hidden = false;
  if (!accepted.job) {
    outcome.append(h("p", {}, "This document was uploaded before and has no job to follow."));
    return;
  }
  const parsed = await followJob(accepted.job.id, parse.update, { signal });
  parse.update(parsed);
  if (parsed.status !== "completed") {
    outcome.append(failure(parsed));
    announce("Reading the PDF failed.", { error: true });
    return;
  }
  const courseJobId = /** @type {ParseResult | null} */ (parsed.result)?.courseJobId;
  if (!courseJobId) {
    outcome.append(h("p", {}, "The PDF was read; no course was asked for."));
    return;
  }
  const written = await followJob(courseJobId, course.update, { signal });
  course.update(written);
  if (written.status !== "completed") {
    outcome.append(failure(written));
    announce("Writing the course failed.", { error: true });
    return;
  }
  const result = /** @type {CourseResult | null} */ (written.result);
  const courseId = result?.courseId;
  outcome.append(
    h(
      "p",
      { class: "ok" },
      `The course is ready: ${result?.modules ?? "?"} modules, ${result?.lessons ?? "?"} lessons, ${result?.questions ?? "?"} quiz questions.`,
    ),
    h("p", {}, h("a", { class: "button", href: `#/courses/${courseId}` }, "Open the course")),
  );
  announce("The course is ready.");
}
