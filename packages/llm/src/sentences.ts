/**
 * Splits parsed section text into sentences a teacher could quote. Parser
 * output is messy: abbreviations ("e.g.", "Fig. 3", "et al."), decimals,
 * hyphenated line breaks, table rows and captions, bibliography entries. A
 * sentence that does not read as prose is dropped rather than risked in a
 * lesson or a question.
 */
import { words } from "./words.ts";

export interface Sentence {
  text: string;
  sectionIndex: number;
  /** Paragraph number within the section, from 0. */
  paragraph: number;
  /** Position within the section, from 0, counting only kept sentences. */
  order: number;
}

/** Lower-cased, without the final dot: a full stop after these does not end a sentence. */
const ABBREVIATIONS = new Set(
  (
    "e.g i.e al cf vs viz approx fig figs eq eqs sec secs ch chap no nos vol vols p pp ed eds ref refs tab " +
    "dr mr mrs ms prof st jr sr inc ltd co corp dept univ est resp ca jan feb mar apr jun jul aug sep sept oct nov dec"
  ).split(" "),
);

const CAPTION = /^(?:table|figure|fig\.|chart|listing|exhibit)\s*\d+[.:]/i;
const BIBLIOGRAPHIC =
  /(?:https?:\/\/|www\.|doi:|\bisbn\b|\bpp\.\s*\d|\bvol\.\s*\d|\bproceedings of\b|\bet al\.,?\s*\(?\d{4}\)?[.,]\s*[A-Z])/i;

/** Joins words broken across lines and drops lines that are table rows or captions. */
function cleanParagraph(paragraph: string): string {
  const lines = paragraph
    .replace(/([a-z])-\n\s*([a-z])/g, "$1$2")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !isTableRow(l) && !CAPTION.test(l));
  // Line breaks stay: a full stop at the end of a line ends the sentence even before a lower-case fragment.
  return lines.map((l) => l.replace(/\s+/g, " ")).join("\n");
}

/** A line with column gaps, or mostly numbers, and no sentence ending is a table row. */
function isTableRow(line: string): boolean {
  if (/[.!?]["')\]]?$/.test(line) && line.split(/\s+/).length > 6) return false;
  if (/\t| {3,}|\s\|\s/.test(line)) return true;
  const tokens = line.split(/\s+/);
  const numeric = tokens.filter((t) => /^[-+~]?[\d.,%×x]+%?$/.test(t)).length;
  return tokens.length > 0 && numeric / tokens.length >= 0.3;
}

/** Where the text has a full stop followed by a capital that does not start a new sentence. */
function isFalseBoundary(before: string, after: string, atLineEnd: boolean): boolean {
  const lastToken = /(\S+)$/.exec(before)?.[1] ?? "";
  const bare = lastToken
    .replace(/^[("'“‘[]+/, "")
    .replace(/\.$/, "")
    .toLowerCase();
  if (ABBREVIATIONS.has(bare)) return true;
  // Initials ("J. Smith") and dotted abbreviations ("U.S.").
  if (/^[a-z]$/.test(bare) && /[A-Z]$/.test(lastToken.replace(/\.$/, ""))) return true;
  if (/^(?:[a-z]\.)+[a-z]$/.test(bare)) return true;
  // "et al. (2006)" and "Fig. 3": a lower-case or bracketed continuation.
  return !atLineEnd && !/^["'“‘([]?[A-Z0-9]/.test(after);
}

/** Splits one cleaned paragraph at sentence ends. */
export function splitSentences(paragraph: string): string[] {
  const out: string[] = [];
  const boundary = /[.!?]+["'”’)\]]*\s+/g;
  let start = 0;
  for (let m = boundary.exec(paragraph); m; m = boundary.exec(paragraph)) {
    const end = m.index + m[0].length;
    const before = paragraph.slice(start, m.index + m[0].trimEnd().length);
    if (isFalseBoundary(before, paragraph.slice(end), m[0].includes("\n"))) continue;
    out.push(before.replace(/\s+/g, " ").trim());
    start = end;
  }
  const rest = paragraph.slice(start).replace(/\s+/g, " ").trim();
  if (rest !== "") out.push(rest);
  return out;
}

/**
 * True when a sentence reads as prose: a capital start, a proper end, mostly
 * words, and none of the marks of a reference list or a table.
 */
export function isProse(sentence: string): boolean {
  const tokens = words(sentence);
  if (tokens.length < 4 || tokens.length > 80) return false;
  if (!/^["'“‘(]?[A-Z]/.test(sentence) || !/[.!?]["'”’)\]]?$/.test(sentence)) return false;
  const visible = sentence.replace(/\s/g, "");
  const letters = (visible.match(/[A-Za-z]/g) ?? []).length;
  if (letters / visible.length < 0.75) return false;
  if (tokens.filter((t) => /^\d/.test(t)).length / tokens.length > 0.2) return false;
  if (BIBLIOGRAPHIC.test(sentence)) return false;
  // Author lists: "Aho, A. V., Lam, M. S." carry several initials.
  if ((sentence.match(/\b[A-Z]\.(?=[\s,])/g) ?? []).length >= 3) return false;
  return !/^\[\d+\]/.test(sentence);
}

/**
 * The prose sentences of a section, in order.
 *
 * @example
 * sectionSentences({ index: 2, text: "A lexer, e.g. the one in Fig. 2, reads text. It emits tokens." })
 * // -> two sentences; "e.g." and "Fig." do not end the first
 */
export function sectionSentences(section: { index: number; text: string }): Sentence[] {
  const paragraphs = section.text.replace(/\r\n?/g, "\n").split(/\n[ \t]*\n/);
  const out: Sentence[] = [];
  paragraphs.forEach((raw, paragraph) => {
    for (const text of splitSentences(cleanParagraph(raw))) {
      if (isProse(text)) out.push({ text, sectionIndex: section.index, paragraph, order: out.length });
    }
  });
  return out;
}
