/**
 * Building the pages' DOM without ever parsing a string as HTML: `h()` makes
 * elements whose children are nodes or text (text is always a text node), so
 * whatever a PDF, an LLM or another user wrote shows as text. The one place
 * HTML is parsed, lesson bodies, is lesson-html.mjs.
 */

/** @typedef {string | number | boolean | null | undefined | ((event: Event) => void)} PropValue */
/** @typedef {Node | string | number | boolean | null | undefined} Leaf */
/** @typedef {Leaf | ReadonlyArray<Leaf | ReadonlyArray<Leaf | ReadonlyArray<Leaf>>>} Child arrays as deep as the pages nest them */

/**
 * An element with properties and children.
 * `on<event>` functions become listeners; `class`, `for`, `aria-*`, `data-*` and other strings become attributes;
 * `value`, `checked`, `disabled`, `hidden` are set as properties; null, undefined and false are skipped.
 *
 * @example h("button", { type: "button", onclick: save }, "Save")
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, PropValue> | null} props
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value" || key === "checked" || key === "disabled" || key === "hidden" || key === "selected")
      Object.assign(el, { [key]: value });
    else if (key === "class") el.className = String(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/**
 * Appends nodes and text (as text nodes); arrays are flattened, null and false skipped.
 * @template {ParentNode} P
 * @param {P} el
 * @param {Child[]} children
 * @returns {P}
 */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/**
 * The page's element with this id, which its server-rendered markup always has (a missing one is a bug,
 * said plainly here rather than as a property of null further on).
 * @overload
 * @param {string} id
 * @returns {HTMLElement}
 */
/**
 * The same, checked to be a `kind` (a form, a table, a button) so its own properties can be used.
 * @template {HTMLElement} E
 * @overload
 * @param {string} id
 * @param {{ new (): E }} kind
 * @returns {E}
 */
/**
 * @param {string} id
 * @param {{ new (): HTMLElement }} [kind]
 * @returns {HTMLElement}
 */
export function byId(id, kind = HTMLElement) {
  const el = document.getElementById(id);
  if (!(el instanceof kind)) throw new Error(`The page has no ${kind.name} #${id}.`);
  return el;
}

/**
 * The first element under `root` that matches `selector`, checked to be a `kind`: for markup the page or
 * these modules drew, where it is always there.
 * @template {Element} E
 * @param {ParentNode} root
 * @param {string} selector
 * @param {{ new (): E }} kind
 * @returns {E}
 */
export function find(root, selector, kind) {
  const el = root.querySelector(selector);
  if (!(el instanceof kind)) throw new Error(`No ${kind.name} matches ${selector} here.`);
  return el;
}

/**
 * Says what just happened in the page's polite live region (and shows it).
 * @param {string} message
 * @param {{ error?: boolean }} [options]
 */
export function announce(message, { error = false } = {}) {
  const region = document.getElementById("status");
  if (!region) return;
  region.classList.toggle("is-error", error);
  // Emptied first, so the same message twice is read out twice.
  region.textContent = "";
  requestAnimationFrame(() => {
    region.textContent = message;
  });
}

/**
 * What to tell a person about a failed request.
 * @param {unknown} error whatever was thrown: an ApiError, an AbortError, a network failure
 */
export function errorText(error) {
  // Read by name rather than by class, so this module needs nothing from api.mjs.
  const failure = /** @type {{ status?: number, retryAfter?: number, name?: string, message?: string } | null | undefined} */ (error);
  if (failure?.status === 429) return `Too many requests just now; try again in ${failure.retryAfter ?? "a few"} seconds.`;
  if (failure?.name === "ApiError") return failure.message ?? "";
  if (failure?.name === "AbortError") return "Stopped.";
  return "Could not reach studyhall. Check the connection and try again.";
}

/**
 * An alert paragraph for a failure, read out at once.
 * @param {unknown} error
 * @param {string} [prefix]
 */
export const errorBox = (error, prefix = "") => h("p", { class: "error", role: "alert" }, prefix, errorText(error));

/**
 * Moves focus to a screen's heading after it changed, so keyboard and screen-reader users land on it.
 * @param {ParentNode} container
 */
export function focusHeading(container) {
  const heading = container.querySelector("h1, h2");
  if (!(heading instanceof HTMLElement)) return;
  heading.setAttribute("tabindex", "-1");
  heading.focus({ preventScroll: false });
}

/**
 * Redraws `container` with `draw()` without losing the keyboard: a control that had focus inside it
 * gets it back in the new drawing (found by its accessible label), so a live table can refresh every
 * few seconds under someone tabbing through it.
 * @param {HTMLElement} container
 * @param {() => void} draw
 */
export function redrawKeepingFocus(container, draw) {
  const active = document.activeElement;
  const key =
    active && active !== container && container.contains(active)
      ? `${active.tagName}|${active.getAttribute("aria-label") ?? active.textContent}`
      : null;
  draw();
  if (!key) return;
  const again = [...container.querySelectorAll(key.slice(0, key.indexOf("|")))].find(
    (el) => `${el.tagName}|${el.getAttribute("aria-label") ?? el.textContent}` === key,
  );
  (again instanceof HTMLElement ? again : container).focus({ preventScroll: true });
}

/**
 * A labelled form field: `<div class="field"><label/>control</div>`.
 * @param {string} label
 * @param {HTMLElement} control
 * @param {string} [hint]
 */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintEl = hint ? h("span", { class: "hint", id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hintEl);
}

/**
 * Disables a button while `work` runs, and says "…" on it, so a double click does nothing twice.
 * @template T
 * @param {HTMLButtonElement} button
 * @param {() => Promise<T>} work
 * @returns {Promise<T>}
 */
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

/** @param {string | null | undefined} iso */
export const formatDate = (iso) => (iso ? timeFormat.format(new Date(iso)) : "—");
/** @param {string | number | null | undefined} value an ISO time or ms since the epoch */
export const formatClock = (value) => (value ? clockFormat.format(new Date(value)) : "—");
/** @param {number} fraction */
export const formatPercent = (fraction) => `${Math.round(fraction * 1000) / 10} %`;
/** @param {number | null | undefined} s */
export const formatSeconds = (s) => (s === null || s === undefined ? "—" : s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`);
/** @param {number} n */
export const formatBytes = (n) =>
  n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
/**
 * @param {number} n
 * @param {string} one
 * @param {string} [many]
 */
export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * A `<time>` element showing a date, with the machine-readable value.
 * @param {string | null | undefined} iso
 * @param {(iso: string | null | undefined) => string} [format]
 */
export const time = (iso, format = formatDate) => h("time", { datetime: iso ?? "" }, format(iso));

/**
 * A status word as a badge (its colour is a cue; the word says it).
 * @param {string} text
 * @param {string} [kind] the class that colours it, the word itself by default
 */
export const badge = (text, kind = text) => h("span", { class: `badge ${kind}` }, text);
