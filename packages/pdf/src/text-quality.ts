/**
 * Decides whether the extracted text is worth parsing: scans without a text
 * layer, scans whose OCR layer is a stray word, and text in fonts that map
 * glyphs to no real characters all fail as `pdf-no-text`. There is no OCR here,
 * and the detail says so.
 */

import { getResolvedPDFJS } from "unpdf";
import type { PDFDocumentProxy } from "unpdf/pdfjs";
import { failure, type ParseFailure } from "./result.ts";

/** Below this share of letters and digits among visible characters, the text is glyph soup. */
const MIN_READABLE_RATIO = 0.5;
/** Below this share of word-like tokens, likewise. */
const MIN_WORD_SHARE = 0.3;
/** Below this many letters and digits per page, a document whose pages are images counts as a scan. */
const SPARSE_CHARS_PER_PAGE = 80;
/** An image covering at least this share of a page makes the page a scanned one. */
const SCAN_COVERAGE = 0.5;
/** Pages inspected for page-sized images; enough to recognise a scan without decoding a whole book. */
const PAGES_TO_INSPECT = 3;

const OCR_NOTE = "Text recognition (OCR) is not available; upload a PDF with selectable text.";

export interface TextStats {
  /** Letters and digits. */
  meaningful: number;
  /** Characters other than whitespace. */
  visible: number;
  /** Share of whitespace-separated tokens that read as words, numbers or codes ("a1"), not glyph soup ("#5#$E"). */
  wordShare: number;
}

/** A token with its surrounding punctuation removed is letters and digits, maybe joined by ' - . , : / */
const WORDLIKE_RE = /^[\p{L}\p{N}\p{M}]+(?:['’.,:/-][\p{L}\p{N}\p{M}]+)*$/u;
const EDGE_PUNCTUATION_RE = /^[("'“‘[{¿¡*•]+|[)"'”’\]}.,;:!?%*]+$/gu;

export function textStats(pageTexts: readonly string[]): TextStats {
  let meaningful = 0;
  let visible = 0;
  let tokens = 0;
  let words = 0;
  for (const text of pageTexts) {
    meaningful += (text.match(/[\p{L}\p{N}]/gu) ?? []).length;
    visible += (text.match(/\S/gu) ?? []).length;
    for (const token of text.split(/\s+/)) {
      if (token.length === 0) continue;
      tokens += 1;
      if (WORDLIKE_RE.test(token.replace(EDGE_PUNCTUATION_RE, ""))) words += 1;
    }
  }
  return { meaningful, visible, wordShare: tokens === 0 ? 0 : words / tokens };
}

/**
 * Largest share of the page that one image covers, from the operator list.
 * Only the determinant of the transform matters for area, so a stack of
 * scale factors stands in for the full matrices.
 */
async function largestImageCoverage(pdf: PDFDocumentProxy, pageNumber: number): Promise<number> {
  const { OPS } = await getResolvedPDFJS();
  const page = await pdf.getPage(pageNumber);
  const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = page.view;
  const pageArea = Math.abs((x1 - x0) * (y1 - y0));
  if (pageArea === 0) return 0;
  const ops = await page.getOperatorList();
  const stack: number[] = [];
  let scale = 1;
  let largest = 0;
  ops.fnArray.forEach((fn, i) => {
    const args: unknown = ops.argsArray[i];
    if (fn === OPS.save || fn === OPS.paintFormXObjectBegin) stack.push(scale);
    if (fn === OPS.restore || fn === OPS.paintFormXObjectEnd) scale = stack.pop() ?? 1;
    const matrix = fn === OPS.transform ? args : fn === OPS.paintFormXObjectBegin && Array.isArray(args) ? args[0] : null;
    if (Array.isArray(matrix) && matrix.length >= 4) {
      const [a, b, c, d] = matrix.map(Number) as [number, number, number, number];
      scale *= Math.abs(a * d - b * c);
    }
    if (fn === OPS.paintImageXObject || fn === OPS.paintInlineImageXObject || fn === OPS.paintImageMaskXObject) {
      largest = Math.max(largest, scale / pageArea);
    }
  });
  page.cleanup();
  return largest;
}

async function looksScanned(pdf: PDFDocumentProxy): Promise<boolean> {
  for (let n = 1; n <= Math.min(pdf.numPages, PAGES_TO_INSPECT); n++) {
    try {
      if ((await largestImageCoverage(pdf, n)) >= SCAN_COVERAGE) return true;
    } catch {
      // A page whose content cannot be listed says nothing either way.
    }
  }
  return false;
}

/** The CJK character collections whose maps pdf.js asked for, e.g. "Adobe-Japan1". */
function missingCMaps(missingData: readonly string[]): string[] {
  const names = missingData
    .filter((d) => d.startsWith("cMapUrl:"))
    .map((d) => d.slice("cMapUrl:".length).replace(/(?:-UCS2)?(?:\.bcmap)?$/, ""));
  return [...new Set(names)];
}

/** The `pdf-no-text` failure for this document's text, or null when the text is usable. */
export async function noTextFailure(
  pdf: PDFDocumentProxy,
  pageTexts: readonly string[],
  missingData: readonly string[],
): Promise<ParseFailure | null> {
  const { meaningful, visible, wordShare } = textStats(pageTexts);
  const pages = Math.max(1, pageTexts.length);
  const undecodable = meaningful < visible * MIN_READABLE_RATIO || wordShare < MIN_WORD_SHARE;
  const cmaps = missingCMaps(missingData);
  if ((meaningful === 0 || undecodable) && cmaps.length > 0) {
    return failure(
      "pdf-no-text",
      `The PDF's text needs character maps for ${cmaps.join(", ")} (CJK fonts), which are not available here; ` +
        "export it again with fonts that carry their own Unicode maps.",
    );
  }
  if (meaningful === 0) {
    return failure("pdf-no-text", `The PDF has no extractable text: its pages are blank or images (a scan, for instance). ${OCR_NOTE}`);
  }
  if (undecodable) {
    return failure("pdf-no-text", `The PDF's text cannot be decoded: its fonts do not map glyphs to characters. ${OCR_NOTE}`);
  }
  if (meaningful / pages < SPARSE_CHARS_PER_PAGE && (await looksScanned(pdf))) {
    return failure("pdf-no-text", `The PDF is a scan: its pages are images with only ${meaningful} characters of text. ${OCR_NOTE}`);
  }
  return null;
}
