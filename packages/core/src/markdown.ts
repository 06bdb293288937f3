/**
 * Lesson Markdown to HTML that cannot run scripts, whatever the source PDF or
 * the LLM wrote. Lesson bodies are untrusted text, so safety comes from what
 * the renderer can emit, not from filtering its output afterwards:
 *
 * - raw HTML is never passed through (`html: false`): `<script>`, `<iframe>`,
 *   `<svg onload>` and friends come out as escaped text;
 * - every link and image destination is checked after markdown-it has decoded
 *   entities and backslash escapes and percent-encoded whitespace and control
 *   characters, against an allow-list of `http:`, `https:` and `mailto:`, so
 *   `javascript:`, `data:`, `vbscript:` and any obfuscated spelling of them
 *   (`jav&#x09;ascript:`, `JaVaScRiPt:`, leading spaces) is refused and the
 *   link is shown as plain text;
 * - attribute values (titles, code languages) are HTML-escaped by markdown-it,
 *   and the renderer adds no attribute of its own but `rel` on links.
 */
import MarkdownIt, { type MarkdownIt as Renderer } from "markdown-it";

/** Destinations a lesson may link to or embed; everything else is dropped. */
const ALLOWED_URL = /^(?:https?:\/\/|mailto:)/i;

function newRenderer(): Renderer {
  const md = new MarkdownIt("default", { html: false, linkify: false, typographer: false, breaks: false });
  // Called with the normalised destination (entities decoded, whitespace and controls percent-encoded).
  md.validateLink = (url: string) => ALLOWED_URL.test(url.trim());
  const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    // Links leave the platform: no referrer, no window.opener, no ranking credit for whatever the PDF linked to.
    tokens[idx]!.attrSet("rel", "nofollow noopener noreferrer");
    return defaultLinkOpen(tokens, idx, options, env, self);
  };
  return md;
}

let renderer: Renderer | undefined;

/**
 * Renders untrusted lesson Markdown to HTML safe to put in a page.
 * @example renderMarkdown("# Title\n\n**bold** [docs](https://example.com)")
 */
export function renderMarkdown(source: string): string {
  renderer ??= newRenderer();
  return renderer.render(source);
}
