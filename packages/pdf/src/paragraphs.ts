/**
 * Reflows lines into paragraphs: lines of one paragraph are joined with a
 * space (or without the hyphen of a split word), paragraphs are separated by
 * one line break. Sentences then read whole, which keeps quoted passages
 * findable in the text later on.
 */

import { dropSoftHyphens, joinHyphenated, type Vocabulary } from "./normalise.ts";
import type { TextLine } from "./page-lines.ts";

/** Baseline distance over font size that still counts as the next line of a paragraph, when unknown. */
const DEFAULT_LEADING = 1.3;
/** How much wider than the usual line spacing a gap must be to start a new paragraph. */
const GAP_FACTOR = 1.3;
const SENTENCE_END_RE = /[.!?:;]["'”’)\]]*$/u;
const LIST_MARKER_RE = /^(?:[•◦▪▫●○■□‣⁃∙·*–—-]\s|\(?[0-9]{1,2}[.)]\s|\(?[a-z][.)]\s|\([ivx]{1,4}\)\s)/u;
const CJK_RE = /[\u3000-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF]/u;

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

function similarSize(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(a, b) * 0.12;
}

/** Usual baseline distance relative to font size among consecutive lines of the same size. */
function typicalLeading(lines: readonly TextLine[]): number {
  const ratios: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const [prev, next] = [lines[i - 1], lines[i]];
    if (!prev || !next || prev.page !== next.page || !similarSize(prev.fontSize, next.fontSize)) continue;
    const size = Math.max(prev.fontSize, 1);
    const ratio = (next.y - prev.y) / size;
    if (ratio > 0.6 && ratio < 3) ratios.push(ratio);
  }
  return median(ratios) ?? DEFAULT_LEADING;
}

interface Layout {
  leading: number;
  fullWidth: number;
}

/** Whether `next` continues the paragraph that `prev` is part of. */
function continuesParagraph(prev: TextLine, next: TextLine, layout: Layout): boolean {
  if (LIST_MARKER_RE.test(next.text)) return false;
  const ended = SENTENCE_END_RE.test(prev.text);
  if (prev.page !== next.page) {
    // Across a page break: carry on only when the sentence visibly does.
    return !ended && similarSize(prev.fontSize, next.fontSize) && /^[\p{Ll}\p{N}(]/u.test(next.text);
  }
  if (!similarSize(prev.fontSize, next.fontSize)) return false;
  const size = Math.max(prev.fontSize, 1);
  const dy = next.y - prev.y;
  if (dy < size * 0.5) return false; // same baseline or above: another column or table cell
  if (dy > size * layout.leading * GAP_FACTOR) return false;
  const short = prev.width < layout.fullWidth * 0.7;
  if (short && (ended || prev.width < layout.fullWidth * 0.45)) return false;
  if (ended && next.x > prev.x + size) return false; // indented first line of the next paragraph
  return true;
}

function joinLines(prev: string, next: string, vocabulary: Vocabulary): string {
  const dehyphenated = joinHyphenated(prev, next, vocabulary);
  if (dehyphenated !== null) return dehyphenated;
  const tight = CJK_RE.test(prev.slice(-1)) && CJK_RE.test(next.charAt(0));
  return tight ? prev + next : `${prev} ${next}`;
}

/**
 * Text of normalised lines, one paragraph per line of output.
 * @example linesToText(page.lines, vocabulary) // "First paragraph, reflowed.\nSecond one."
 */
export function linesToText(lines: readonly TextLine[], vocabulary: Vocabulary): string {
  const withText = lines.filter((l) => l.text.length > 0);
  if (withText.length === 0) return "";
  const layout: Layout = {
    leading: typicalLeading(withText),
    fullWidth: percentile(
      withText.map((l) => l.width),
      0.8,
    ),
  };
  const paragraphs: string[] = [];
  let current = withText[0]?.text ?? "";
  for (let i = 1; i < withText.length; i++) {
    const [prev, next] = [withText[i - 1], withText[i]];
    if (!prev || !next) continue;
    if (continuesParagraph(prev, next, layout)) {
      current = joinLines(current, next.text, vocabulary);
    } else {
      paragraphs.push(current);
      current = next.text;
    }
  }
  paragraphs.push(current);
  return dropSoftHyphens(paragraphs.join("\n"));
}
