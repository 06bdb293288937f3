/**
 * Finds headings in documents without an outline: numbered headings ("2.3
 * Results", in sequence), lines set larger than the body text, ALL-CAPS short
 * lines and "Chapter 4"-style lines. Each heading becomes a section anchor.
 */
import type { PageLines, TextLine } from "./page-lines.ts";

/** Where a section starts: a line of a page, with the title and depth of its heading. */
export interface SectionAnchor {
  title: string;
  level: number;
  page: number;
  /** Index of the heading's first line in its page's lines, or -1 when the section starts at the top of the page. */
  lineIndex: number;
  /** Lines the heading itself spans (0 when the heading is not on the page), skipped in the section's text. */
  headingLines: number;
}

type Kind = { kind: "numbered"; path: number[] } | { kind: "keyword" } | { kind: "size" } | { kind: "caps" };
interface Candidate {
  line: TextLine;
  page: number;
  lineIndex: number;
  /** Lines the heading spans, and the baseline of its last one. */
  lines: number;
  lastY: number;
  title: string;
  kind: Kind;
}

const NUMBERED_RE = /^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+([\p{Lu}\p{Lt}].*)$/u;
const KEYWORD_RE = /^(?:chapter|part|appendix|section|lesson|unit|module|chapitre|kapitel|capítulo)\s+(?:\d{1,3}|[IVXLC]{1,6}|[A-Z])\b/iu;
/** Table-of-contents entries end with a page number, often after dot leaders. */
const DOT_LEADERS_RE = /(?:\.{3,}|…|(?:\. ){2,}\.?)\s*\d{1,4}$/u;
const TRAILING_PAGE_RE = /\s\d{1,4}$/u;

/** Whether a line reads like a numbered or "Chapter 3" heading, whatever its size. */
export function looksNumbered(text: string): boolean {
  return NUMBERED_RE.test(text) || KEYWORD_RE.test(text);
}

/** The most common font size, weighted by characters: the size of the body text. */
export function bodyFontSize(pages: readonly PageLines[]): number {
  const weight = new Map<number, number>();
  for (const line of pages.flatMap((p) => p.lines)) {
    weight.set(line.fontSize, (weight.get(line.fontSize) ?? 0) + line.text.length);
  }
  let body = 0;
  let best = -1;
  for (const [size, w] of weight) if (w > best) [body, best] = [size, w];
  return body;
}

function letters(text: string): number {
  return (text.match(/\p{L}/gu) ?? []).length;
}

function classify(line: TextLine, body: number): Kind | null {
  const text = line.text;
  const words = text.split(/\s+/).length;
  if (text.length < 2 || text.length > 120 || words > 15 || letters(text) < 2) return null;
  if (/[,;]$/.test(text) || DOT_LEADERS_RE.test(text)) return null;
  const notSmaller = line.fontSize >= body * 0.95;
  const numbered = NUMBERED_RE.exec(text);
  const heading = numbered?.[2];
  if (numbered?.[1] && heading && notSmaller && text.length <= 90 && !/[.:]$/.test(heading) && !TRAILING_PAGE_RE.test(heading)) {
    const path = numbered[1].split(".").map(Number);
    if (path.every((n) => n >= 0) && (path[0] ?? 0) >= 1) return { kind: "numbered", path };
  }
  // Author lists, addresses and links are set large on title pages but are not headings.
  if ((text.match(/,/g) ?? []).length >= 2 || /@|https?:|www\./iu.test(text)) return null;
  const tocEntry = words > 2 && TRAILING_PAGE_RE.test(text); // "Chapter 2 Methods 17"
  if (KEYWORD_RE.test(text) && notSmaller && words <= 8 && !tocEntry) return { kind: "keyword" };
  const mostlyLetters = letters(text) >= text.replace(/\s/g, "").length * 0.6;
  if (line.fontSize >= body * 1.15 && mostlyLetters && !(text.endsWith(".") && words > 6)) return { kind: "size" };
  const caps = !/\p{Ll}/u.test(text) && letters(text) >= 4 && words <= 10;
  if (caps && notSmaller && mostlyLetters && !/[.]$/.test(text)) return { kind: "caps" };
  return null;
}

function comparePaths(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Numbered headings must move forward: "3 cups of flour" after "5 Results"
 * is a sentence, not a heading. A jump of more than two chapters is refused too.
 */
function inSequence(candidates: Candidate[]): Candidate[] {
  let last: number[] | null = null;
  return candidates.filter((c) => {
    if (c.kind.kind !== "numbered") return true;
    const path = c.kind.path;
    const top = path[0] ?? 0;
    const ok = last === null ? top <= 2 : comparePaths(path, last) > 0 && top <= (last[0] ?? 0) + 2;
    if (ok) last = path;
    return ok;
  });
}

/** A heading wrapped over several lines: same size, larger than the body, right below. */
function mergeWrapped(candidates: Candidate[], body: number): Candidate[] {
  const merged: Candidate[] = [];
  for (const c of candidates) {
    const prev = merged[merged.length - 1];
    const wraps =
      prev !== undefined &&
      c.kind.kind !== "numbered" &&
      prev.page === c.page &&
      c.lineIndex === prev.lineIndex + prev.lines &&
      prev.line.fontSize > body * 1.1 &&
      Math.abs(c.line.fontSize - prev.line.fontSize) < 0.5 &&
      c.line.y > prev.lastY &&
      c.line.y - prev.lastY < c.line.fontSize * 1.6;
    if (wraps) {
      merged[merged.length - 1] = { ...prev, title: `${prev.title} ${c.title}`, lines: prev.lines + 1, lastY: c.line.y };
    } else {
      merged.push(c);
    }
  }
  return merged;
}

/**
 * Detects headings. `exclude` holds lines already used elsewhere (the title).
 * Returns no anchors when the "headings" look like ordinary text (too many of them).
 * @example detectHeadings(pages, new Set()) // [{ title: "1. Introduction", level: 1, page: 1, lineIndex: 40 }]
 */
export function detectHeadings(pages: readonly PageLines[], exclude: ReadonlySet<TextLine>): SectionAnchor[] {
  const body = bodyFontSize(pages);
  const all: Candidate[] = [];
  const caps = new Map<string, number>();
  for (const page of pages) {
    page.lines.forEach((line, lineIndex) => {
      if (exclude.has(line)) return;
      const kind = classify(line, body);
      if (kind?.kind === "caps") caps.set(line.text, (caps.get(line.text) ?? 0) + 1);
      if (kind) all.push({ line, page: page.page, lineIndex, lines: 1, lastY: line.y, title: line.text, kind });
    });
  }
  // A capitalised line that recurs is a label or a stamp, not a heading.
  let found = mergeWrapped(inSequence(all.filter((c) => c.kind.kind !== "caps" || (caps.get(c.title) ?? 0) <= 2)), body);
  const lineCount = pages.reduce((n, p) => n + p.lines.length, 0);
  const plausible = Math.max(10, lineCount / 4);
  if (found.length > plausible) found = found.filter((c) => c.kind.kind === "numbered");
  if (found.length > plausible) return [];
  const sizes = [...new Set(found.filter((c) => c.kind.kind === "size").map((c) => c.line.fontSize))].sort((a, b) => b - a);
  return found.map((c) => ({
    title: c.title,
    level: levelOf(c, sizes),
    page: c.page,
    lineIndex: c.lineIndex,
    headingLines: c.lines,
  }));
}

function levelOf(c: Candidate, sizes: number[]): number {
  switch (c.kind.kind) {
    case "numbered":
      return c.kind.path.length;
    case "keyword":
      return 1;
    case "size":
      return Math.min(3, sizes.indexOf(c.line.fontSize) + 1);
    case "caps":
      return Math.min(3, sizes.filter((s) => s > c.line.fontSize).length + 1);
  }
}
