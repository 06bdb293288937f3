/**
 * Turns pdf.js text content into lines with their geometry. Later stages need
 * more than strings: running headers are found by position, headings by font
 * size, and paragraphs by line spacing.
 */
import type { PDFPageProxy } from "unpdf/pdfjs";

/** One line of text as pdf.js laid it out, in top-down page coordinates. */
export interface TextLine {
  /** 1-based page the line is on. */
  page: number;
  /** The line's text; raw from pdf.js until the parser normalises it. */
  text: string;
  /** Left edge and baseline, in points from the top-left corner of the page as displayed. */
  x: number;
  y: number;
  /** Horizontal extent of the line, in points. */
  width: number;
  /** Font size carrying most of the line's characters. */
  fontSize: number;
}

export interface PageLines {
  /** 1-based page number. */
  page: number;
  width: number;
  height: number;
  /** Lines in content order (the order pdf.js reads them, usually reading order). */
  lines: TextLine[];
}

type TextContent = Awaited<ReturnType<PDFPageProxy["getTextContent"]>>;
type ContentItem = TextContent["items"][number];
type Point = [number, number];

interface Run {
  str: string;
  x: number;
  y: number;
  width: number;
  fontSize: number;
}

/** Reads one page's lines; rejects when pdf.js cannot read the page's content. */
export async function readPageLines(page: PDFPageProxy): Promise<PageLines> {
  const viewport = page.getViewport({ scale: 1 });
  const content = await page.getTextContent();
  const toView = (x: number, y: number): Point => {
    const point: unknown = viewport.convertToViewportPoint(x, y);
    return Array.isArray(point) && typeof point[0] === "number" && typeof point[1] === "number"
      ? [point[0], point[1]]
      : [x, viewport.height - y];
  };
  const lines = groupIntoLines(page.pageNumber, content.items, toView);
  return { page: page.pageNumber, width: viewport.width, height: viewport.height, lines };
}

/** Groups pdf.js text items into lines at its end-of-line marks. */
function groupIntoLines(page: number, items: readonly ContentItem[], toView: (x: number, y: number) => Point): TextLine[] {
  const lines: TextLine[] = [];
  let runs: Run[] = [];
  const flush = () => {
    const line = joinRuns(page, runs);
    if (line) lines.push(line);
    runs = [];
  };
  for (const item of items) {
    if (!("str" in item)) continue; // marked-content boundaries carry no text
    const [, , c = 0, d = 0, e = 0, f = 0] = item.transform as number[];
    if (item.str.length > 0) {
      const [x, y] = toView(e, f);
      runs.push({ str: item.str, x, y, width: Math.abs(item.width), fontSize: Math.hypot(c, d) });
    }
    if (item.hasEOL) flush();
  }
  flush();
  return lines;
}

function joinRuns(page: number, runs: Run[]): TextLine | null {
  const text = runs.map((r) => r.str).join("");
  if (text.trim().length === 0) return null;
  const sizeWeight = new Map<number, number>();
  for (const r of runs) {
    const size = Math.round(r.fontSize * 2) / 2;
    sizeWeight.set(size, (sizeWeight.get(size) ?? 0) + r.str.trim().length);
  }
  let fontSize = 0;
  let best = -1;
  for (const [size, weight] of sizeWeight) {
    if (weight > best || (weight === best && size > fontSize)) [fontSize, best] = [size, weight];
  }
  const textRuns = runs.filter((r) => r.str.trim().length > 0);
  const first = textRuns[0] ?? runs[0];
  if (!first) return null;
  // Widths are along the reading direction, so this stays meaningful on rotated pages.
  const width = runs.reduce((sum, r) => sum + r.width, 0);
  return { page, text, x: first.x, y: first.y, width, fontSize };
}
