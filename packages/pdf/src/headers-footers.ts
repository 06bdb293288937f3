/**
 * Removes running headers and footers: lines near the top or bottom edge of a
 * page that recur on several pages (the book title, the chapter name, "Page 3
 * of 14"), and lone page numbers at the very edge. Left in, they interrupt
 * sentences at every page break and repeat through every lesson.
 */
import type { PageLines, TextLine } from "./page-lines.ts";

/** How many lines from each edge are candidates, and how far into the page they may sit. */
const EDGE_LINES = 3;
const EDGE_ZONE = 0.12;

const PAGE_NUMBER_RE =
  /^(?:(?:page|seite|página|pagina|p\.)\s*)?(?:\d{1,4}|(?:xl|l?x{0,3})(?:ix|iv|v?i{0,3}))(?:\s*(?:of|\/|de|von)\s*\d{1,4})?$/iu;
const DASHED_NUMBER_RE = /^[-–—]\s*\d{1,4}\s*[-–—]$/u;

/** A lone page number such as "12", "xiv", "Page 3 of 14" or "– 7 –". */
export function isPageNumber(text: string): boolean {
  const t = text.trim();
  return t.length > 0 && (PAGE_NUMBER_RE.test(t) || DASHED_NUMBER_RE.test(t));
}

/** A recurring line must appear on this many pages; short documents have no running lines to speak of. */
function minRepeats(pageCount: number): number {
  if (pageCount < 3) return Number.POSITIVE_INFINITY;
  return pageCount <= 4 ? 2 : 3;
}

type Zone = "top" | "bottom";

interface EdgeLine {
  line: TextLine;
  zone: Zone;
  /** Keys under which the line is counted: its exact text, and its text with a number that follows the page number. */
  keys: string[];
  extreme: boolean;
}

function exactKey(text: string): string {
  return text.toLowerCase().replace(/\s+/g, " ").trim();
}

/**
 * "Chapter 2 · 17" on page 17 and "Chapter 2 · 18" on page 18 share a key:
 * the last number is replaced by its distance to the page number, so a
 * sequence of different headings ("1.1 Scope", "1.2 Terms") does not.
 */
function numberedKey(text: string, page: number): string | null {
  const numbers = [...text.matchAll(/\d+/g)];
  const last = numbers[numbers.length - 1];
  if (!last) return null;
  const offset = Number(last[0]) - page;
  const index = last.index ?? 0;
  const masked = `${text.slice(0, index)}#${text.slice(index + last[0].length)}`;
  return `${exactKey(masked)}@${offset}`;
}

function edgeLines(page: PageLines): EdgeLine[] {
  const byHeight = [...page.lines].filter((l) => l.text.trim().length > 0).sort((a, b) => a.y - b.y);
  const height = page.height > 0 ? page.height : Math.max(1, ...byHeight.map((l) => l.y));
  const found: EdgeLine[] = [];
  const add = (line: TextLine, zone: Zone, extreme: boolean) => {
    const keys = [`${zone}:${exactKey(line.text)}`];
    const numbered = numberedKey(line.text, page.page);
    if (numbered) keys.push(`${zone}#${numbered}`);
    found.push({ line, zone, keys, extreme });
  };
  byHeight.slice(0, EDGE_LINES).forEach((line, i) => {
    if (line.y <= height * EDGE_ZONE) add(line, "top", i === 0);
  });
  byHeight
    .slice(-EDGE_LINES)
    .reverse()
    .forEach((line, i) => {
      if (line.y >= height * (1 - EDGE_ZONE) && !found.some((f) => f.line === line)) add(line, "bottom", i === 0);
    });
  return found;
}

/**
 * Returns the pages without their running headers, footers and edge page
 * numbers. Lines elsewhere on the page are never touched.
 * @example removeRunningLines(pages).map((p) => p.lines.length)
 */
export function removeRunningLines(pages: readonly PageLines[]): PageLines[] {
  const edges = pages.map(edgeLines);
  const pagesByKey = new Map<string, Set<number>>();
  edges.forEach((pageEdges, i) => {
    for (const edge of pageEdges) {
      for (const key of edge.keys) {
        const seen = pagesByKey.get(key) ?? new Set<number>();
        seen.add(i);
        pagesByKey.set(key, seen);
      }
    }
  });
  const threshold = minRepeats(pages.length);
  const cleaned = pages.map((page, i) => {
    const drop = new Set<TextLine>();
    for (const edge of edges[i] ?? []) {
      const recurring = edge.keys.some((key) => (pagesByKey.get(key)?.size ?? 0) >= threshold);
      if (recurring || (edge.extreme && isPageNumber(edge.line.text))) drop.add(edge.line);
    }
    return drop.size === 0 ? page : { ...page, lines: page.lines.filter((l) => !drop.has(l)) };
  });
  // A document made only of repeated lines (a stamp on every page) keeps them: they are its text.
  const anyLeft = cleaned.some((p) => p.lines.some((l) => /[\p{L}\p{N}]/u.test(l.text)));
  return anyLeft ? cleaned : [...pages];
}
