/**
 * The lanes table of the queue dashboard, from GET /v1/admin/queues: per
 * lane, jobs waiting, delayed, active, completed and failed, throughput per
 * minute, failure rate, p50 and p95 run time, and what holds it. Admins pause
 * and resume a lane for their own organisation (POST
 * /v1/admin/lanes/{lane}/{action}); a lane the platform holds says so, with
 * nothing to press, because only the deployment's operators can lift it.
 */
import { ApiError, api } from "./api.mjs";
import { announce, badge, busy, byId, errorText, find, formatClock, formatPercent, formatSeconds, h, redrawKeepingFocus } from "./dom.mjs";

/** @typedef {import("./api-shapes.d.ts").LaneStats} LaneStats */
/** @typedef {import("./api-shapes.d.ts").LaneState} LaneState */
/** @typedef {() => Promise<number>} Refresh fetches the lanes now and says how long to wait before the next time */

/** @type {Record<NonNullable<LaneStats["pausedBy"]>, string>} */
const stateText = { organisation: "paused by this organisation", platform: "paused by the platform" };

/**
 * @param {string} lane
 * @param {LaneState} state
 */
function announcement(lane, state) {
  if (state.pausedBy === "platform")
    return `The ${lane} lane is still paused by the platform: no organisation's jobs of it start until the platform resumes it.`;
  if (state.paused)
    return `The ${lane} lane is paused for this organisation: its jobs wait and lose nothing, and other organisations' jobs run.`;
  return `The ${lane} lane is running again for this organisation.`;
}

/**
 * @param {LaneStats} lane
 * @param {Refresh} refresh
 */
function laneAction(lane, refresh) {
  // The platform's pause is not this organisation's to lift: no button, just what holds the lane.
  if (lane.pausedBy === "platform") return h("td", { class: "meta" }, "Only the platform can resume it");
  const ours = lane.pausedBy === "organisation";
  const action = ours ? "resume" : "pause";
  const button = h(
    "button",
    { type: "button", class: "secondary", "aria-label": `${ours ? "Resume" : "Pause"} the ${lane.lane} lane for this organisation` },
    ours ? "Resume" : "Pause",
  );
  button.addEventListener("click", () =>
    busy(button, async () => {
      try {
        /** @type {LaneState} */
        const state = await api(`/v1/admin/lanes/${lane.lane}/${action}`, { method: "POST" });
        await refresh();
        announce(announcement(lane.lane, state));
        // The row was redrawn with the opposite button: keep the keyboard on it.
        /** @type {HTMLButtonElement | null} */ (byId("lanes").querySelector(`tr[data-lane="${lane.lane}"] button`))?.focus();
      } catch (error) {
        announce(errorText(error), { error: true });
      }
    }),
  );
  return h("td", {}, button);
}

/**
 * @param {LaneStats} lane
 * @param {boolean} canAct
 * @param {Refresh} refresh
 */
function laneRow(lane, canAct, refresh) {
  const cells = [
    h("th", { scope: "row" }, lane.lane),
    h("td", {}, lane.pausedBy ? badge(stateText[lane.pausedBy], "paused") : badge("running")),
    ...[lane.waiting, lane.delayed, lane.active, lane.completed, lane.failed].map((n) => h("td", { class: "num" }, String(n))),
    h("td", { class: "num" }, String(lane.throughputPerMinute)),
    h("td", { class: "num" }, formatPercent(lane.failureRate)),
    h("td", { class: "num" }, formatSeconds(lane.p50Seconds)),
    h("td", { class: "num" }, formatSeconds(lane.p95Seconds)),
  ];
  if (canAct) cells.push(laneAction(lane, refresh));
  return h("tr", { "data-lane": lane.lane }, cells);
}

/** What changed in the queues, cheaply: the job list need not be reloaded while this stays the same. */
const signatureOf = (/** @type {LaneStats[]} */ lanes) =>
  lanes.map((l) => [l.lane, l.pausedBy, l.waiting, l.delayed, l.active, l.completed, l.failed].join(":")).join("|");

/**
 * Polls the lane statistics every `intervalMs` while the tab is visible, and stops while it is hidden.
 * `onUpdate({ changed })` follows every update; `changed` says whether any count moved. Returns `{ refresh, stop }`.
 * @param {{ canAct: boolean, intervalMs?: number, onUpdate?: (update: { changed: boolean }) => void }} options
 */
export function startLanes({ canAct, intervalMs = 2000, onUpdate }) {
  const body = find(byId("lanes"), "tbody", HTMLTableSectionElement);
  const updated = byId("lanes-updated");
  const polling = byId("polling-state");
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let stopped = false;
  let signature = "";
  /** @type {Promise<number> | null} */
  let inFlight = null;

  // Each call fetches anew after the one in flight, so what an action changed is what the table shows next.
  /** @type {Refresh} */
  const refresh = () =>
    (inFlight = (inFlight ?? Promise.resolve()).then(async () => {
      let wait = intervalMs;
      try {
        /** @type {import("./api-shapes.d.ts").QueueStats} */
        const stats = await api(`/v1/admin/queues`);
        redrawKeepingFocus(body, () => body.replaceChildren(...stats.lanes.map((lane) => laneRow(lane, canAct, refresh))));
        updated.textContent = `Updated ${formatClock(stats.at)} (rates over the last ${stats.windowMinutes} minutes).`;
        const next = signatureOf(stats.lanes);
        const changed = next !== signature;
        signature = next;
        onUpdate?.({ changed });
      } catch (error) {
        updated.textContent = `Not updated: ${errorText(error)}`;
        if (error instanceof ApiError && error.status === 429) wait = (error.retryAfter ?? 5) * 1000;
      }
      return wait;
    }));

  const loop = async () => {
    clearTimeout(timer);
    if (stopped || document.hidden) return;
    const wait = await refresh();
    if (!stopped && !document.hidden) timer = setTimeout(loop, wait);
  };
  const onVisibility = () => {
    polling.textContent = document.hidden ? "Paused while this tab is hidden." : `Live: every ${intervalMs / 1000} s.`;
    if (!document.hidden) loop();
    else clearTimeout(timer);
  };
  document.addEventListener("visibilitychange", onVisibility);
  onVisibility();

  return {
    refresh,
    stop() {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
      body.replaceChildren();
    },
  };
}
