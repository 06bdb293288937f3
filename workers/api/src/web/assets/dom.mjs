/**
 * Building the pages' DOM without ever parsing a string as HTML: `h()` makes
 * elements whose children are nodes or text (text is always a text node), so
 * whatever a PDF, an LLM or another user wrote shows as text. The one place
 * HTML is parsed, lesson bodies, is lesson-html.mjs.
 */

/**
 * An element with properties and children.
 * `on<event>` functions become listeners; `class`, `for`, `aria-*`, `data-*` and other strings become attributes;
 * `value`, `checked`, `disabled`, `hidden` are set as properties; null, undefined and false are skipped.
 *
 * @example h("button", { type: "button", onclick: save }, "Save")
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value" || key === "checked" || key === "disabled" || key === "hidden" || key === "selected") el[key] = value;
    else if (key === "class") el.className = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/** Appends nodes and text (as text nodes); arrays are flattened, null and false skipped. */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export const byId = (id) => document.getElementById(id);

/** Says what just happened in the page's polite live region (and shows it). */
export function announce(message, { error = false } = {}) {
  const region = byId("status");
  if (!region) return;
  region.classList.toggle("is-error", error);
  // Emptied first, so the same message twice is read out twice.
  region.textContent = "";
  requestAnimationFrame(() => {
    region.textContent = message;
  });
}

/** What to tell a person about a failed request. */
export function errorText(error) {
  if (error?.status === 429) return `Too many requests just now; try again in ${error.retryAfter ?? "a few"} seconds.`;
  if (error?.name === "ApiError") return error.message;
  if (error?.name === "AbortError") return "Stopped.";
  return "Could not reach studyhall. Check the connection and try again.";
}

/** An alert paragraph for a failure, read out at once. */
export const errorBox = (error, prefix = "") => h("p", { class: "error", role: "alert" }, prefix, errorText(error));

/** Moves focus to a screen's heading after it changed, so keyboard and screen-reader users land on it. */
export function focusHeading(container) {
  const heading = container.querySelector("h1, h2");
  if (!heading) return;
  heading.setAttribute("tabindex", "-1");
  heading.focus({ preventScroll: false });
}

/**
 * Redraws `container` with `draw()` without losing the keyboard: a control that had focus inside it
 * gets it back in the new drawing (found by its accessible label), so a live table can refresh every
 * few seconds under someone tabbing through it.
 */
export function redrawKeepingFocus(container, draw) {
  const active = document.activeElement;
  const key =
    active && active !== container && container.contains(active)
      ? `${active.tagName}|${active.getAttribute("aria-label") ?? active.textContent}`
      : null;
  draw();
  if (!key) return;
  const again = [...container.querySelectorAll(key.split("|")[0])].find(
    (el) => `${el.tagName}|${el.getAttribute("aria-label") ?? el.textContent}` === key,
  );
  (again ?? container).focus({ preventScroll: true });
}

/** A labelled form field: `<div class="field"><label/>control</div>`. */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintEl = hint ? h("span", { class: "hint", id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hintEl);
}

/** Disables a button while `work` runs, and says "…" on it, so a double click does nothing twice. */
export async function busy(button, work) {
  const label = button.textContent;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = label;
  }
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const clockFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

export const formatDate = (iso) => (iso ? timeFormat.format(new Date(iso)) : "—");
export const formatClock = (value) => (value ? clockFormat.format(new Date(value)) : "—");
export const formatPercent = (fraction) => `${Math.round(fraction * 1000) / 10} %`;
export const formatSeconds = (s) => (s === null || s === undefined ? "—" : s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`);
export const formatBytes = (n) =>
  n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A `<time>` element showing a date, with the machine-readable value. */
export const time = (iso, format = formatDate) => h("time", { datetime: iso ?? "" }, format(iso));

/** A status word as a badge (its colour is a cue; the word says it). */
export const badge = (text, kind = text) => h("span", { class: `badge ${kind}` }, text);
