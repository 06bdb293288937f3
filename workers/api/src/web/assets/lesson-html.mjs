/**
 * Lesson bodies as DOM. The API renders lesson Markdown to HTML that cannot
 * run scripts (packages/core/src/markdown.ts), but the page does not take
 * that on trust: the HTML is parsed into an inert document (scripts never run
 * there, images never load) and only an allow-list of elements and attributes
 * is copied into fresh nodes; everything else keeps its text or is dropped.
 * The page's CSP requires Trusted Types, and this module's policy is the only
 * one it allows, so no other code on the page can hand a string to an HTML
 * sink at all.
 */
import { h } from "./dom.mjs";

const policy = globalThis.trustedTypes?.createPolicy("studyhall-lesson-html", {
  // Only used to parse into an inert DOMParser document, whose nodes are then copied through the allow-list below.
  createHTML: (html) => html,
});

/** @type {Record<string, readonly string[]>} */
const ATTRIBUTES = {
  p: [],
  br: [],
  hr: [],
  strong: [],
  em: [],
  b: [],
  i: [],
  s: [],
  del: [],
  code: [],
  pre: [],
  blockquote: [],
  sub: [],
  sup: [],
  ul: [],
  ol: ["start"],
  li: [],
  h1: [],
  h2: [],
  h3: [],
  h4: [],
  h5: [],
  h6: [],
  table: [],
  thead: [],
  tbody: [],
  tr: [],
  th: ["scope"],
  td: [],
  a: ["href", "title"],
};
/** Elements whose content is never text for a reader. */
const DROPPED = new Set([
  "script",
  "style",
  "template",
  "iframe",
  "object",
  "embed",
  "svg",
  "math",
  "noscript",
  "form",
  "button",
  "input",
  "textarea",
  "select",
]);
const SAFE_LINK = /^(?:https?:|mailto:)/i;
/** The lesson's title is the page's h1, so the body's headings move one level down. */
const demote = (/** @type {string} */ tag) => (/^h[1-6]$/.test(tag) ? `h${Math.min(6, Number(tag[1]) + 1)}` : tag);

/**
 * @param {Node} node a node of the inert document
 * @param {ParentNode} parent where its allow-listed copy goes
 */
function copy(node, parent) {
  if (node.nodeType === Node.TEXT_NODE) {
    parent.append(/** @type {Text} */ (node).data);
    return;
  }
  if (!(node instanceof Element)) return;
  const tag = node.localName;
  if (DROPPED.has(tag)) return;
  if (tag === "img") {
    // No image loads from a lesson: its description stands in.
    const alt = node.getAttribute("alt");
    if (alt) parent.append(`[${alt}]`);
    return;
  }
  const allowed = ATTRIBUTES[tag];
  if (!allowed) {
    for (const child of node.childNodes) copy(child, parent);
    return;
  }
  const el = document.createElement(demote(tag));
  for (const name of allowed) {
    const value = node.getAttribute(name);
    if (value !== null) el.setAttribute(name, value);
  }
  if (tag === "a") {
    const href = (el.getAttribute("href") ?? "").trim();
    if (!SAFE_LINK.test(href)) el.removeAttribute("href");
    else el.setAttribute("rel", "nofollow noopener noreferrer");
  }
  for (const child of node.childNodes) copy(child, el);
  parent.append(el);
}

/**
 * The lesson's HTML as a fragment of allow-listed nodes.
 * @param {string} html
 */
export function lessonFragment(html) {
  const doc = new DOMParser().parseFromString(policy ? policy.createHTML(html) : html, "text/html");
  const fragment = document.createDocumentFragment();
  for (const child of doc.body.childNodes) copy(child, fragment);
  return fragment;
}

/**
 * When the server sent no HTML: the Markdown source as plain text, paragraphs kept.
 * @param {string} markdown
 */
export function markdownAsText(markdown) {
  return markdown
    .split(/\n{2,}/)
    .map((block) => block.trim())
    .filter(Boolean)
    .map((block) => h("p", { class: "plain" }, block));
}
