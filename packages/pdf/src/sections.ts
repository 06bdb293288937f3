/**
 * Cuts the document into sections: from one anchor (an outline entry or a
 * detected heading) to the next, or, when there are no anchors, into groups
 * of pages of a readable size. Sections never come out empty.
 */
import type { ParsedSection } from "@studyhall/core";
import type { SectionAnchor } from "./headings.ts";
import type { Vocabulary } from "./normalise.ts";
import type { PageLines, TextLine } from "./page-lines.ts";
import { linesToText } from "./paragraphs.ts";

/** Page groups aim for about this much text, and never span more pages than this. */
const GROUP_TARGET_CHARS = 6000;
const GROUP_MAX_PAGES = 10;

interface Position {
  /** 1-based page and index of the first line on it. */
  page: number;
  line: number;
}

function before(a: Position, b: Position): boolean {
  return a.page < b.page || (a.page === b.page && a.line < b.line);
}

/** Lines from `from` (inclusive) to `to` (exclusive). */
function linesBetween(pages: readonly PageLines[], from: Position, to: Position): TextLine[] {
  const out: TextLine[] = [];
  for (let p = from.page; p <= Math.min(to.page, pages.length); p++) {
    const lines = pages[p - 1]?.lines ?? [];
    const start = p === from.page ? from.line : 0;
    const end = p === to.page ? to.line : lines.length;
    out.push(...lines.slice(start, Math.max(start, end)));
  }
  return out;
}

/** Last page a span covers: the page before `to` when the span stops at the top of that page. */
function lastPage(from: Position, to: Position): number {
  return Math.max(from.page, to.line === 0 ? to.page - 1 : to.page);
}

interface Draft {
  title: string;
  level: number;
  pageStart: number;
  pageEnd: number;
  text: string;
}

function numbered(drafts: Draft[]): ParsedSection[] {
  return drafts.filter((d) => d.text.trim().length > 0).map((d, index) => ({ index, ...d }));
}

/**
 * Sections from anchors in document order. Text before the first anchor
 * becomes a leading section named `frontTitle`.
 * @example sectionsFromAnchors(pages, anchors, vocabulary, "A Paper")[0]?.title // "A Paper"
 */
export function sectionsFromAnchors(
  pages: readonly PageLines[],
  anchors: readonly SectionAnchor[],
  vocabulary: Vocabulary,
  frontTitle: string,
): ParsedSection[] {
  const ordered = anchors
    .map((anchor, order) => ({ anchor, order }))
    .sort((a, b) => a.anchor.page - b.anchor.page || a.anchor.lineIndex - b.anchor.lineIndex || a.order - b.order)
    .map((a) => a.anchor);
  const end: Position = { page: pages.length + 1, line: 0 };
  const starts = ordered.map((a) => ({ page: a.page, line: Math.max(0, a.lineIndex) }));
  const drafts: Draft[] = [];
  const first = starts[0] ?? end;
  if (before({ page: 1, line: 0 }, first)) {
    const lines = linesBetween(pages, { page: 1, line: 0 }, first);
    const pageEnd = lastPage({ page: 1, line: 0 }, first);
    drafts.push({ title: frontTitle, level: 1, pageStart: 1, pageEnd, text: linesToText(lines, vocabulary) });
  }
  ordered.forEach((anchor, i) => {
    const start = starts[i] ?? end;
    const next = starts[i + 1] ?? end;
    const bodyStart = { page: start.page, line: start.line + anchor.headingLines };
    const lines = before(bodyStart, next) ? linesBetween(pages, bodyStart, next) : [];
    let text = linesToText(lines, vocabulary);
    // A heading with nothing under it is either a parent whose first child follows at once (dropped:
    // the outline keeps it), or a leaf whose heading is all the text there is (kept, with that text).
    const followedByChild = (ordered[i + 1]?.level ?? 0) > anchor.level;
    if (text.length === 0 && !followedByChild) text = linesToText(linesBetween(pages, start, next), vocabulary);
    const pageEnd = Math.min(pages.length, lastPage(start, next));
    drafts.push({
      title: anchor.title,
      level: anchor.level,
      pageStart: anchor.page,
      pageEnd: Math.max(anchor.page, pageEnd),
      text,
    });
  });
  return numbered(drafts);
}

/**
 * The fallback: consecutive pages grouped into sections of about
 * GROUP_TARGET_CHARS characters each, titled by their page range.
 */
export function sectionsFromPageGroups(pages: readonly PageLines[], pageTexts: readonly string[], vocabulary: Vocabulary): ParsedSection[] {
  const drafts: Draft[] = [];
  let groupStart = 1;
  let chars = 0;
  const close = (lastPageOfGroup: number) => {
    const lines = linesBetween(pages, { page: groupStart, line: 0 }, { page: lastPageOfGroup + 1, line: 0 });
    const title = groupStart === lastPageOfGroup ? `Page ${groupStart}` : `Pages ${groupStart}–${lastPageOfGroup}`;
    drafts.push({ title, level: 1, pageStart: groupStart, pageEnd: lastPageOfGroup, text: linesToText(lines, vocabulary) });
    groupStart = lastPageOfGroup + 1;
    chars = 0;
  };
  pageTexts.forEach((text, i) => {
    chars += text.length;
    const page = i + 1;
    if (chars >= GROUP_TARGET_CHARS || page - groupStart + 1 >= GROUP_MAX_PAGES || page === pageTexts.length) close(page);
  });
  return numbered(drafts);
}
