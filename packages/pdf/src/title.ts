/**
 * The document's title: from the metadata when it holds a real title (not
 * "untitled" or "Microsoft Word - draft3.docx"), otherwise from the largest
 * line near the top of the first page with text.
 */
import type { PDFDocumentProxy } from "unpdf/pdfjs";
import { normaliseLine } from "./normalise.ts";
import type { PageLines, TextLine } from "./page-lines.ts";

const PLACEHOLDER_TITLES = new Set(["untitled", "untitled document", "document", "title", "presentation", "no title", "none"]);
const APP_PREFIX_RE = /^(?:microsoft\s+(?:word|powerpoint|excel)|word|powerpoint)\s*-\s*/i;
const FILE_EXTENSION_RE = /\.(?:docx?|pptx?|xlsx?|odt|odp|rtf|txt|pdf|tex|dvi|ps|indd|qxd|pages|key)$/i;

/** A metadata title fit to show, or null. */
export function cleanTitle(raw: unknown): string | null {
  if (typeof raw !== "string") return null;
  const title = normaliseLine(raw).replace(APP_PREFIX_RE, "").replace(FILE_EXTENSION_RE, "").trim();
  const letters = (title.match(/\p{L}/gu) ?? []).length;
  if (title.length < 4 || title.length > 300 || letters < 3) return null;
  if (PLACEHOLDER_TITLES.has(title.toLowerCase().replace(/[-_ ]*\d+$/, ""))) return null;
  if (/[\\/]/.test(title) && !/\s/.test(title)) return null; // a file path
  return title;
}

/** Title from the document information dictionary or XMP metadata; null when neither has a usable one. */
export async function metadataTitle(pdf: PDFDocumentProxy): Promise<string | null> {
  try {
    const { info, metadata } = await pdf.getMetadata();
    const xmp: unknown = metadata?.get("dc:title");
    const fromInfo = info instanceof Object && "Title" in info ? info.Title : null;
    return cleanTitle(xmp) ?? cleanTitle(fromInfo);
  } catch {
    return null; // unreadable metadata is not a reason to fail the document
  }
}

/** How much larger than the body text a line must be to pass for the title. */
const TITLE_SIZE_FACTOR = 1.2;
const TITLE_MAX_LINES = 3;

/**
 * The largest line in the upper half of the first page with text (looking at
 * most at two pages), with the lines right below it in the same size.
 */
export function layoutTitle(pages: readonly PageLines[], bodySize: number): { title: string; lines: Set<TextLine> } | null {
  const page = pages.slice(0, 2).find((p) => p.lines.some((l) => /\p{L}/u.test(l.text)));
  if (!page) return null;
  const upper = page.lines.filter((l) => page.height <= 0 || l.y <= page.height * 0.5);
  const biggest = Math.max(0, ...upper.filter((l) => /\p{L}{2}/u.test(l.text)).map((l) => l.fontSize));
  if (biggest < bodySize * TITLE_SIZE_FACTOR) return null;
  const start = page.lines.findIndex((l) => upper.includes(l) && l.fontSize === biggest && /\p{L}{2}/u.test(l.text));
  const first = page.lines[start];
  if (!first) return null;
  const lines = [first];
  for (let i = start + 1; i < page.lines.length && lines.length < TITLE_MAX_LINES; i++) {
    const line = page.lines[i];
    const prev = lines[lines.length - 1];
    if (!line || !prev || Math.abs(line.fontSize - biggest) > 0.5) break;
    if (line.y <= prev.y || line.y - prev.y > biggest * 2) break;
    lines.push(line);
  }
  const title = lines
    .map((l) => l.text)
    .join(" ")
    .trim();
  if (title.length < 3 || title.length > 300) return null;
  return { title, lines: new Set(lines) };
}
