/**
 * The PDF outline (bookmarks): flattened in reading order, destinations
 * resolved to page numbers, and each entry located on its page so that a
 * section can start where its heading is rather than at the top of the page.
 */
import type { OutlineEntry } from "@studyhall/core";
import type { PDFDocumentProxy } from "unpdf/pdfjs";
import type { SectionAnchor } from "./headings.ts";
import { normaliseLine } from "./normalise.ts";
import type { PageLines } from "./page-lines.ts";

/** Bounds against hostile outlines: entries kept and nesting followed. */
const MAX_ENTRIES = 2000;
const MAX_DEPTH = 8;

/** An outline entry with where its destination points: page and, when given, the top of the view (page coordinates, top-down). */
export interface ResolvedEntry extends OutlineEntry {
  top: number | null;
}

type OutlineNode = Awaited<ReturnType<PDFDocumentProxy["getOutline"]>>[number];

function isRef(value: unknown): value is { num: number; gen: number } {
  return typeof value === "object" && value !== null && "num" in value && "gen" in value;
}

async function resolveDestination(pdf: PDFDocumentProxy, dest: OutlineNode["dest"]): Promise<{ page: number | null; top: number | null }> {
  const none = { page: null, top: null };
  try {
    const explicit: unknown = typeof dest === "string" ? await pdf.getDestination(dest) : dest;
    if (!Array.isArray(explicit)) return none;
    const [target, mode, ...args] = explicit as unknown[];
    let index: number | null = null;
    if (isRef(target)) index = await pdf.getPageIndex(target);
    else if (typeof target === "number" && Number.isInteger(target)) index = target; // writers that store a page index
    if (index === null || index < 0 || index >= pdf.numPages) return none;
    const modeName = typeof mode === "object" && mode !== null && "name" in mode ? String(mode.name) : "";
    const rawTop = modeName === "XYZ" ? args[1] : modeName === "FitH" || modeName === "FitBH" ? args[0] : null;
    let top: number | null = null;
    if (typeof rawTop === "number" && Number.isFinite(rawTop)) {
      const viewport = (await pdf.getPage(index + 1)).getViewport({ scale: 1 });
      const point: unknown = viewport.convertToViewportPoint(0, rawTop);
      top = Array.isArray(point) && typeof point[1] === "number" ? point[1] : null;
    }
    return { page: index + 1, top };
  } catch {
    return none; // an unresolvable destination leaves the entry without a page
  }
}

/**
 * Reads the outline, depth first, levels from 1. Entries whose destination
 * cannot be resolved keep `page: null`. Never throws.
 */
export async function readOutline(pdf: PDFDocumentProxy): Promise<ResolvedEntry[]> {
  let roots: OutlineNode[] | null;
  try {
    roots = await pdf.getOutline();
  } catch {
    return [];
  }
  const entries: ResolvedEntry[] = [];
  const visit = async (nodes: readonly OutlineNode[], level: number): Promise<void> => {
    for (const node of nodes) {
      if (entries.length >= MAX_ENTRIES) return;
      const { page, top } = await resolveDestination(pdf, node.dest);
      entries.push({ title: normaliseLine(String(node.title ?? "")), level, page, top });
      const children: unknown = node.items;
      if (level < MAX_DEPTH && Array.isArray(children)) await visit(children as OutlineNode[], level + 1);
    }
  };
  await visit(roots ?? [], 1);
  return entries;
}

/** Letters and digits only, lower-cased: what two spellings of a heading share. */
function matchKey(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
}

/** Whether two spellings name the same heading, allowing for a number on one side only. */
export function sameHeading(a: string, b: string): boolean {
  const [x, y] = [matchKey(a), matchKey(b)];
  if (x.length < 3 || y.length < 3) return x === y && x.length > 0;
  const [long, short] = x.length >= y.length ? [x, y] : [y, x];
  return long.endsWith(short) && long.length <= short.length + 8;
}

/** Finds the line an entry points at: its title's line, else the first line below the destination's top. */
function locate(entry: ResolvedEntry, page: PageLines): { lineIndex: number; headingLines: number } {
  const title = matchKey(entry.title);
  const lines = page.lines;
  const matches: number[] = [];
  if (title.length >= 2) {
    lines.forEach((line, i) => {
      const key = matchKey(line.text);
      if (key.length === 0) return;
      // Either side may carry a number the other lacks: "1.2 Scope" in the outline, "Scope" on the page.
      const same = sameHeading(line.text, entry.title);
      const wrapped = title.startsWith(key) && key.length >= Math.min(title.length, 12);
      if (same || wrapped) matches.push(i);
    });
  }
  const top = entry.top;
  const nearTop = (i: number) => (top === null ? 0 : Math.abs((lines[i]?.y ?? 0) - top));
  const best = matches.sort((a, b) => nearTop(a) - nearTop(b))[0];
  if (best !== undefined) {
    let span = 1;
    let covered = matchKey(lines[best]?.text ?? "");
    while (covered.length < title.length && span < 3) {
      const more = matchKey(lines[best + span]?.text ?? "");
      if (!more || !title.startsWith(covered + more)) break;
      covered += more;
      span += 1;
    }
    return { lineIndex: best, headingLines: span };
  }
  if (top !== null) {
    let below = -1;
    lines.forEach((line, i) => {
      if (line.y >= top - 2 && (below === -1 || line.y < (lines[below]?.y ?? Infinity))) below = i;
    });
    if (below !== -1) return { lineIndex: below, headingLines: 0 };
  }
  return { lineIndex: -1, headingLines: 0 };
}

/** Section anchors for outline entries that point at a page. */
export function outlineAnchors(entries: readonly ResolvedEntry[], pages: readonly PageLines[]): SectionAnchor[] {
  const anchors: SectionAnchor[] = [];
  for (const entry of entries) {
    if (entry.page === null) continue;
    const page = pages[entry.page - 1];
    if (!page) continue;
    const { lineIndex, headingLines } = locate(entry, page);
    anchors.push({ title: entry.title || `Page ${entry.page}`, level: entry.level, page: entry.page, lineIndex, headingLines });
  }
  return anchors;
}
