/**
 * The studio (`/`): sign-in, the navigation for the signed-in role, and a
 * hash router that draws one screen at a time into #view. Each screen gets an
 * AbortSignal that fires when the person navigates away, so its streams,
 * sockets and timers end with it.
 */
import { canAuthor, currentSession } from "./api.mjs";
import { byId, errorBox, focusHeading, h } from "./dom.mjs";
import { setupAccount } from "./signin.mjs";
import { renderCourse } from "./studio-course.mjs";
import { renderCatalogue, renderCourseList, renderMyCourses } from "./studio-courses.mjs";
import { renderLesson } from "./studio-lesson.mjs";
import { renderQuiz } from "./studio-quiz.mjs";
import { renderSession, renderSessions } from "./studio-sessions.mjs";
import { renderUpload } from "./studio-upload.mjs";

/**
 * What every screen is drawn with: who is signed in, and a signal that fires when they navigate away.
 * @typedef {{ session: import("./api.mjs").Session, signal: AbortSignal }} Screen
 */
/** @typedef {(screen: Screen, ...params: string[]) => Promise<Node>} Render the route's captures follow the screen */

const view = byId("view");
const nav = byId("nav");

/** @type {Array<[RegExp, Render]>} */
const routes = [
  [/^#\/upload$/, renderUpload],
  [/^#\/courses$/, renderCourseList],
  [/^#\/catalogue$/, renderCatalogue],
  [/^#\/my-courses$/, renderMyCourses],
  [/^#\/courses\/([\w-]+)$/, renderCourse],
  [/^#\/courses\/([\w-]+)\/lessons\/([\w-]+)$/, renderLesson],
  [/^#\/quizzes\/([\w-]+)$/, renderQuiz],
  [/^#\/sessions$/, renderSessions],
  [/^#\/sessions\/([\w-]+)$/, renderSession],
];

const home = (/** @type {import("./api.mjs").Session} */ session) => (canAuthor(session) ? "#/courses" : "#/catalogue");

/** @type {AbortController | null} */
let controller = null;

async function show() {
  const session = currentSession();
  controller?.abort();
  if (!session) {
    view.hidden = true;
    view.replaceChildren();
    // The next person to sign in starts at their own home, not on the last one's screen.
    if (location.hash) history.replaceState(null, "", location.pathname);
    return;
  }
  const match = routes.map(([pattern, render]) => ({ found: pattern.exec(location.hash), render })).find((route) => route.found);
  if (!match?.found) {
    location.replace(home(session));
    return;
  }
  controller = new AbortController();
  const signal = controller.signal;
  for (const link of nav.querySelectorAll("a")) {
    const here = location.hash === link.getAttribute("href") || location.hash.startsWith(`${link.getAttribute("href")}/`);
    if (here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  view.hidden = false;
  view.setAttribute("aria-busy", "true");
  view.replaceChildren(h("p", { class: "meta" }, "Loading…"));
  try {
    const screen = await match.render({ session, signal }, ...match.found.slice(1).map(decodeURIComponent));
    if (signal.aborted) return;
    view.replaceChildren(screen);
  } catch (error) {
    if (signal.aborted) return;
    view.replaceChildren(
      h("h1", {}, "Something went wrong"),
      errorBox(error),
      h("p", {}, h("a", { href: home(session) }, "Back to the start")),
    );
  } finally {
    if (!signal.aborted) view.removeAttribute("aria-busy");
  }
  focusHeading(view);
}

setupAccount((session) => {
  nav.hidden = !session;
  if (session) {
    const items = /** @type {NodeListOf<HTMLLIElement>} */ (nav.querySelectorAll("li[data-roles]"));
    for (const item of items) item.hidden = !(item.dataset.roles ?? "").split(" ").includes(session.user.role);
    // The hashchange that follows draws the screen.
    if (!location.hash) return location.replace(home(session));
  }
  show();
});
addEventListener("hashchange", () => {
  // What the last screen announced belongs to it.
  byId("status").textContent = "";
  show();
});
