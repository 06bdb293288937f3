/**
 * The queue dashboard's job list (GET /v1/admin/jobs, filtered by status,
 * kind, lane, owner, text and dead-lettering, a page at a time) and one job's
 * detail (GET /v1/admin/jobs/{id}): its payload, progress history, every
 * attempt with its error and the event log, with retry and cancel for admins.
 */
import { api, query } from "./api.mjs";
import { announce, badge, busy, byId, errorText, find, formatClock, formatDate, h, plural, redrawKeepingFocus } from "./dom.mjs";

/** @typedef {import("./api-shapes.d.ts").AdminJob} AdminJob */
/** @typedef {import("./api-shapes.d.ts").AdminJobRow} AdminJobRow */
/** @typedef {import("./api-shapes.d.ts").AdminJobPage} AdminJobPage */

const FINISHED = new Set(["completed", "failed", "cancelled"]);

/**
 * A job error in one line; a detail that already starts with the title is enough alone.
 * @param {unknown} error a job's error, or an attempt's or event's (which the API types only as JSON)
 */
function errorLine(error) {
  if (!error) return "";
  const { title: named, type, detail } = /** @type {{ type?: string, title?: string, detail?: string }} */ (error);
  const title = named ?? type ?? "error";
  if (!detail) return title;
  return detail.startsWith(title) ? detail : `${title}: ${detail}`;
}

/**
 * The payload's fields, each shortened: enough to recognise a job, without a wall of JSON.
 * @param {unknown} payload
 */
function payloadSummary(payload) {
  if (!payload || typeof payload !== "object")
    return h("p", {}, payload === null || payload === undefined ? "No payload." : String(payload));
  const show = (/** @type {unknown} */ value) => {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  };
  return h(
    "dl",
    { class: "facts" },
    Object.entries(payload).map(([key, value]) => [h("dt", {}, key), h("dd", {}, h("code", {}, show(value)))]),
  );
}

/** @param {AdminJob} job */
function facts(job) {
  /** @type {Array<[string, string | Node]>} */
  const rows = [
    ["Status", badge(job.status)],
    ["Lane", job.lane],
    ["Progress", `${job.progress} % · ${job.stage}`],
    ["Attempts", `${job.attempts} of ${job.maxAttempts}`],
    ["Owner", `${job.owner.name} <${job.owner.email}>`],
    ["Title", job.title ?? "—"],
    ["Created", formatDate(job.createdAt)],
    ["Started", formatDate(job.startedAt)],
    ["Finished", formatDate(job.finishedAt)],
    ["Run after", job.runAfter ? formatDate(job.runAfter) : "—"],
    ["Error", errorLine(job.error) || "—"],
  ];
  return h(
    "dl",
    { class: "facts" },
    rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
  );
}

/** @param {AdminJob["attemptsLog"]} attempts */
function attemptsTable(attempts) {
  if (!attempts.length) return h("p", {}, "No attempt has started yet.");
  return h(
    "table",
    { id: "attempts" },
    h("caption", { class: "sr-only" }, "Attempts"),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Attempt", "Started", "Ended", "Outcome", "Error"].map((c) => h("th", { scope: "col" }, c)),
      ),
    ),
    h(
      "tbody",
      {},
      attempts.map((a) =>
        h(
          "tr",
          {},
          h("td", { class: "num" }, String(a.attempt)),
          h("td", {}, formatClock(a.startedAt)),
          h("td", {}, formatClock(a.endedAt)),
          h("td", {}, a.outcome),
          h("td", {}, errorLine(a.error)),
        ),
      ),
    ),
  );
}

/** @param {AdminJob["events"]} events */
function eventLog(events) {
  const line = (/** @type {AdminJob["events"][number]} */ e) =>
    [
      new Date(e.at).toISOString().slice(11, 23),
      e.type.padEnd(12),
      `attempt ${e.attempt}`,
      e.progress === null ? "" : `${e.progress} %`,
      e.stage ?? "",
      errorLine(e.error),
    ]
      .filter(Boolean)
      .join("  ");
  return h(
    "ol",
    { class: "log", role: "log", "aria-label": "Event log", id: "event-log" },
    events.map((e) => h("li", {}, line(e))),
  );
}

/**
 * Wires the filters, the list and the detail panel, once; `canAct()` says whether the signed-in person may act.
 * Returns `{ reload, refreshOpen, close }` for the poller and for signing out.
 * @param {{ canAct: () => boolean }} options
 */
export function setupJobs({ canAct }) {
  const form = byId("job-filter", HTMLFormElement);
  const body = find(byId("jobs"), "tbody", HTMLTableSectionElement);
  const count = byId("job-count");
  const more = byId("more-jobs", HTMLButtonElement);
  const detail = byId("job-detail");
  /** @type {string | null} where the next page starts */
  let nextBefore = null;
  /** @type {AdminJob | null} the job whose detail is shown */
  let open = null;

  const filters = () => {
    const data = new FormData(form);
    return Object.fromEntries([...data.entries()].map(([k, v]) => [k, String(v).trim()]));
  };

  const row = (/** @type {AdminJobRow} */ job) =>
    h(
      "tr",
      { "data-job": job.id, class: job.id === open?.id ? "is-open" : "" },
      h("td", {}, formatDate(job.createdAt)),
      h(
        "td",
        {},
        h(
          "button",
          { type: "button", class: "secondary", "aria-label": `Open ${job.kind} job ${job.title ?? job.id}`, onclick: () => show(job.id) },
          job.kind,
        ),
      ),
      h("td", {}, job.title ?? "—"),
      h("td", {}, job.owner.email),
      h("td", {}, job.lane),
      h("td", {}, badge(job.status)),
      h("td", { class: "num" }, `${job.progress} %`),
      h("td", { class: "num" }, `${job.attempts} / ${job.maxAttempts}`),
    );

  /** @param {{ append?: boolean }} [options] */
  async function load({ append = false } = {}) {
    try {
      /** @type {AdminJobPage} */
      const page = await api(`/v1/admin/jobs${query({ ...filters(), limit: 50, before: append ? nextBefore : undefined })}`);
      if (append) body.append(...page.items.map(row));
      else redrawKeepingFocus(body, () => body.replaceChildren(...page.items.map(row)));
      nextBefore = page.nextBefore;
      more.hidden = !nextBefore;
      count.textContent = `${plural(body.rows.length, "job")} shown${nextBefore ? " (there are more)" : ""}.`;
    } catch (error) {
      count.textContent = `Could not load the jobs: ${errorText(error)}`;
    }
  }

  /**
   * @param {string} label
   * @param {string} path
   * @param {string} done what to announce once it worked
   */
  const action = (label, path, done) => {
    const button = h("button", { type: "button" }, label);
    button.addEventListener("click", () =>
      busy(button, async () => {
        try {
          await api(path, { method: "POST" });
          await Promise.all([open ? show(open.id, { focus: false }) : undefined, load()]);
          // The button is gone (a retried job cannot be retried again): the keyboard stays in the panel.
          if (!detail.contains(document.activeElement)) detail.focus({ preventScroll: true });
          announce(done);
        } catch (error) {
          announce(errorText(error), { error: true });
        }
      }),
    );
    return button;
  };

  /**
   * @param {string} id
   * @param {{ focus?: boolean }} [options]
   */
  async function show(id, { focus = true } = {}) {
    /** @type {AdminJob} */
    let job;
    try {
      job = await api(`/v1/admin/jobs/${encodeURIComponent(id)}`);
    } catch (error) {
      announce(errorText(error), { error: true });
      return;
    }
    open = job;
    for (const tr of body.rows) tr.classList.toggle("is-open", tr.dataset.job === id);
    const close = h("button", { type: "button", class: "secondary" }, "Close details");
    close.addEventListener("click", () => {
      open = null;
      detail.hidden = true;
      for (const tr of body.rows) tr.classList.remove("is-open");
      // Back to the job's button in the list (the list may have been redrawn since it was opened).
      /** @type {HTMLButtonElement | null} */ (body.querySelector(`tr[data-job="${CSS.escape(job.id)}"] button`))?.focus();
    });
    // A permanent failure would fail the same way again: the server refuses its retry, so say why instead of offering it.
    const final = job.status === "failed" && job.retryWhen === "never";
    const buttons = [
      canAct() && job.status === "failed" && !final
        ? action("Retry this job", `/v1/admin/jobs/${job.id}/retry`, "The job is queued again.")
        : null,
      canAct() && (job.status === "queued" || job.status === "active")
        ? action("Cancel this job", `/v1/admin/jobs/${job.id}/cancel`, "The job is cancelled (an active one stops at its next checkpoint).")
        : null,
      close,
    ];
    const progress = job.events.filter((e) => e.progress !== null);
    const draw = () =>
      detail.replaceChildren(
        h("h2", { id: "job-title" }, `${job.kind} job`),
        h("p", { class: "meta" }, h("code", {}, job.id)),
        h("div", { class: "row" }, buttons),
        final
          ? h(
              "p",
              { id: "retry-note" },
              `Failed permanently: ${job.error?.title ?? "its cause"}. Running it again would fail the same way.`,
            )
          : "",
        facts(job),
        h("h3", {}, "Payload"),
        payloadSummary(job.payload),
        h("h3", {}, "Progress history"),
        progress.length
          ? h(
              "ol",
              { id: "progress-history" },
              progress.map((e) => h("li", {}, `${formatClock(e.at)}: ${e.progress} % (${e.stage ?? e.type})`)),
            )
          : h("p", {}, "No progress reported."),
        h("h3", {}, "Attempts"),
        attemptsTable(job.attemptsLog),
        h("h3", {}, "Events"),
        eventLog(job.events),
      );
    redrawKeepingFocus(detail, draw);
    detail.hidden = false;
    if (focus) detail.focus();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  // Choices apply at once; typed text applies with Enter or the Filter button.
  form.addEventListener(
    "change",
    (event) => event.target instanceof Element && event.target.matches("select, input[type=checkbox]") && load(),
  );
  form.addEventListener("reset", () => setTimeout(load));
  more.addEventListener("click", () => busy(more, () => load({ append: true })));

  return {
    reload: load,
    close() {
      open = null;
      detail.hidden = true;
      body.replaceChildren();
      // The next person starts with no filters of the last one.
      form.reset();
    },
    /** Redraws the open job while it may still change. */
    refreshOpen: () => (open && !FINISHED.has(open.status) ? show(open.id, { focus: false }) : undefined),
  };
}
