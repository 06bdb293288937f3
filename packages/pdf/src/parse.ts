/**
 * `parsePdf`: bytes in, a `ParsedDocument` or a failure code out. The steps:
 * open (failing on passwords and damage), check the page limit, read every
 * page's lines, drop running headers and footers, normalise and reflow the
 * text, refuse documents without usable text, then cut sections from the
 * outline, from detected headings, or from page groups.
 */
import type { OutlineEntry, ParsedDocument, ParsedSection } from "@studyhall/core";
import type { PDFDocumentProxy } from "unpdf/pdfjs";
import { removeRunningLines } from "./headers-footers.ts";
import { bodyFontSize, detectHeadings, looksNumbered, type SectionAnchor } from "./headings.ts";
import { buildVocabulary, normaliseLine } from "./normalise.ts";
import { outlineAnchors, readOutline, sameHeading } from "./outline.ts";
import { type PageLines, readPageLines } from "./page-lines.ts";
import { linesToText } from "./paragraphs.ts";
import { closeQuietly, loadFailure, openPdf } from "./pdf-document.ts";
import { failure, ParseAbort, type ParseFailure, type ParseOptions, type ParseResult, parseOptionsSchema } from "./result.ts";
import { sectionsFromAnchors, sectionsFromPageGroups } from "./sections.ts";
import { noTextFailure } from "./text-quality.ts";
import { layoutTitle, metadataTitle } from "./title.ts";

/** Lets a long parse notice that its time is up between pages. */
interface Deadline {
  expired: boolean;
}

/**
 * pdf.js talks to its in-process worker through promises only, so a timer
 * could never fire while a document is being read. Yielding to the event
 * loop between pages lets the deadline's timer run.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

async function readAllPages(pdf: PDFDocumentProxy, deadline: Deadline): Promise<PageLines[]> {
  const pages: PageLines[] = [];
  let unreadable = 0;
  for (let n = 1; n <= pdf.numPages; n++) {
    await yieldToEventLoop();
    if (deadline.expired) throw new ParseAbort(failure("pdf-damaged", "Reading the PDF took too long."));
    try {
      const page = await pdf.getPage(n);
      const read = await readPageLines(page);
      page.cleanup(); // frees fonts and images; a book would otherwise hold every page in memory
      const lines = read.lines.map((l) => ({ ...l, text: normaliseLine(l.text) })).filter((l) => l.text.length > 0);
      pages.push({ ...read, lines });
    } catch {
      // One unreadable page leaves a gap; only a document with no readable page is damaged.
      unreadable += 1;
      pages.push({ page: n, width: 0, height: 0, lines: [] });
    }
  }
  if (pdf.numPages > 0 && unreadable === pdf.numPages) {
    throw new ParseAbort(failure("pdf-damaged", "None of the PDF's pages could be read."));
  }
  return pages;
}

/** Outline first (when it locates at least two sections, or one in a short document), then headings, then page groups. */
function chooseAnchors(fromOutline: SectionAnchor[], fromHeadings: () => SectionAnchor[], pageCount: number): SectionAnchor[] {
  if (fromOutline.length >= 2 || (fromOutline.length === 1 && pageCount <= 2)) return fromOutline;
  const headings = fromHeadings();
  return headings.length > 0 ? headings : fromOutline;
}

async function parseOpened(
  pdf: PDFDocumentProxy,
  missingData: readonly string[],
  maxPages: number,
  deadline: Deadline,
): Promise<ParseResult> {
  if (pdf.numPages > maxPages) {
    return failure("pdf-too-many-pages", `The PDF has ${pdf.numPages} pages; at most ${maxPages} can be parsed.`);
  }
  const pages = removeRunningLines(await readAllPages(pdf, deadline));
  const vocabulary = buildVocabulary(pages.flatMap((p) => p.lines.map((l) => l.text)));
  const pageTexts = pages.map((p) => linesToText(p.lines, vocabulary));
  const noText = await noTextFailure(pdf, pageTexts, missingData);
  if (noText) return noText;

  const entries = await readOutline(pdf);
  // The largest line on the first page is the title unless it is the first heading ("1 Introduction").
  const big = layoutTitle(pages, bodyFontSize(pages));
  const isHeading = big !== null && (looksNumbered(big.title) || entries.some((e) => sameHeading(e.title, big.title)));
  const layout = isHeading ? null : big;
  const title = (await metadataTitle(pdf)) ?? layout?.title ?? null;
  const anchors = chooseAnchors(outlineAnchors(entries, pages), () => detectHeadings(pages, layout?.lines ?? new Set()), pages.length);
  let sections: ParsedSection[] = sectionsFromAnchors(pages, anchors, vocabulary, title ?? "Front matter");
  if (anchors.length === 0 || sections.length === 0) sections = sectionsFromPageGroups(pages, pageTexts, vocabulary);
  const outline: OutlineEntry[] = entries.map(({ title: t, level, page }) => ({ title: t, level, page }));
  const document: ParsedDocument = { title, pageCount: pdf.numPages, pages: pageTexts, outline, sections };
  return { ok: true, document };
}

/**
 * Parses a PDF into normalised page text, outline and sections. Never throws
 * for any input bytes (only for invalid options), and nothing is fetched from
 * the network. After `timeoutMs` it answers `pdf-damaged`; the check runs
 * between pages, so one page that pdf.js chews on synchronously is bounded
 * only by the Worker's own CPU limit.
 * @example
 * const result = await parsePdf(bytes, { maxPages: 300 });
 * if (!result.ok) return markFailed(result.code, result.detail);
 * for (const section of result.document.sections) console.log(section.title);
 */
export async function parsePdf(bytes: Uint8Array, options: ParseOptions): Promise<ParseResult> {
  const { maxPages, timeoutMs } = parseOptionsSchema.parse(options);
  const deadline: Deadline = { expired: false };
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timedOut = new Promise<ParseFailure>((resolve) => {
    timer = setTimeout(() => {
      deadline.expired = true;
      const budget = timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`;
      resolve(failure("pdf-damaged", `Parsing the PDF took longer than ${budget}.`));
    }, timeoutMs);
  });
  const opening = openPdf(bytes);
  const opened = await Promise.race([opening, timedOut]);
  if (!opened.ok) {
    clearTimeout(timer);
    // A load that loses the race still finishes later; its document must be released then.
    if (deadline.expired) void opening.then((late) => (late.ok ? closeQuietly(late.task) : undefined));
    return opened;
  }
  try {
    return await Promise.race([parseOpened(opened.pdf, opened.missingData, maxPages, deadline), timedOut]);
  } catch (error) {
    return error instanceof ParseAbort ? error.failure : loadFailure(error);
  } finally {
    clearTimeout(timer);
    await closeQuietly(opened.task);
  }
}
