/**
 * The queue dashboard (`/admin`): sign-in, then the lanes (polled every 2 s
 * while the tab is visible), the job list and a job's detail. Admins also get
 * the actions (bulk retry, requeue from the dead-letter queue, clean, pause
 * and resume a lane for the organisation, retry and cancel one job); every
 * figure and action is the organisation's own. Operators watch read-only,
 * and the action controls are not shown to them at all (the API refuses them
 * anyway).
 */

import { setupJobs } from "./admin-jobs.mjs";
import { startLanes } from "./admin-lanes.mjs";
import { api } from "./api.mjs";
import { announce, busy, byId, errorText, find, plural } from "./dom.mjs";
import { setupAccount } from "./signin.mjs";

/** @typedef {import("./api-shapes.d.ts").JobCount} JobCount */

const DASHBOARD_ROLES = new Set(["admin", "operator"]);
/** The job list follows the lanes when their counts move, and at least every this many ticks otherwise. */
const LIST_EVERY_TICKS = 5;

/** @type {ReturnType<typeof startLanes> | null} */
let lanes = null;
/** @type {ReturnType<typeof setupJobs> | null} */
let jobs = null;

/** @param {() => Promise<unknown>} refresh */
function bulkActions(refresh) {
  /**
   * @param {HTMLButtonElement} button
   * @param {boolean} deadLetteredOnly
   */
  const retry = (button, deadLetteredOnly) =>
    button.addEventListener("click", () =>
      busy(button, async () => {
        try {
          /** @type {JobCount} */
          const { count } = await api("/v1/admin/jobs/retry-failed", { method: "POST", json: { deadLetteredOnly } });
          await refresh();
          announce(
            deadLetteredOnly ? `${plural(count, "dead-lettered job")} queued again.` : `${plural(count, "failed job")} queued again.`,
          );
        } catch (error) {
          announce(errorText(error), { error: true });
        }
      }),
    );
  retry(byId("retry-failed", HTMLButtonElement), false);
  retry(byId("requeue-dead", HTMLButtonElement), true);

  const clean = byId("clean-form", HTMLFormElement);
  const hoursInput = byId("clean-hours", HTMLInputElement);
  clean.addEventListener("submit", (event) => {
    event.preventDefault();
    const hours = Number(hoursInput.value);
    if (!Number.isFinite(hours) || hours < 0) return announce("Give a number of hours, 0 or more.", { error: true });
    busy(find(clean, "button", HTMLButtonElement), async () => {
      try {
        /** @type {JobCount} */
        const { count } = await api("/v1/admin/jobs/clean", { method: "POST", json: { olderThanHours: hours } });
        await refresh();
        announce(`${plural(count, "completed job")} older than ${hours} hours deleted.`);
      } catch (error) {
        announce(errorText(error), { error: true });
      }
    });
  });
}

let canAct = false;

/** The jobs list and the bulk actions, wired once per page. */
function wireJobs() {
  // The job list reads the role each time it draws.
  const list = setupJobs({ canAct: () => canAct });
  bulkActions(() => Promise.all([lanes?.refresh(), list.reload()]));
  return list;
}

/** @param {import("./api.mjs").Session} session */
function start(session) {
  canAct = session.user.role === "admin";
  for (const el of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("[data-admin-only]"))) el.hidden = !canAct;
  byId("role-note").textContent = canAct
    ? "You are an admin: you can pause and resume lanes for this organisation (its jobs wait; other organisations' run) and retry, cancel or clean its jobs."
    : "Read-only: as an operator you can watch the queues; admins act on them.";
  byId("dashboard").hidden = false;
  jobs ??= wireJobs();
  const list = jobs;
  let ticks = 0;
  lanes = startLanes({
    canAct,
    onUpdate: ({ changed }) => {
      ticks += 1;
      if (changed || ticks % LIST_EVERY_TICKS === 0) list.reload();
      // An open job that may still change follows every tick (a finished one is not fetched again).
      list.refreshOpen();
    },
  });
}

function stop() {
  lanes?.stop();
  lanes = null;
  jobs?.close();
  byId("dashboard").hidden = true;
}

setupAccount((session) => {
  stop();
  const forbidden = byId("forbidden");
  forbidden.hidden = true;
  if (!session) return;
  if (!DASHBOARD_ROLES.has(session.user.role)) {
    forbidden.textContent = `You are signed in as ${session.user.role === "teacher" ? "a teacher" : `a ${session.user.role}`}: the queue dashboard is for admins and operators. The studio is at /.`;
    forbidden.hidden = false;
    return;
  }
  start(session);
});
