/**
 * The text of a PDF as the tests see it, extracted here with unpdf's plain
 * `extractText` (not the platform's parser), and a way to tell whether some
 * generated text was taken from it: runs of consecutive words compared after
 * folding case, ligatures and punctuation, so line breaks, hyphenation and
 * Markdown do not matter, but made-up text does.
 */
import { extractText } from "unpdf";

export interface PaperText {
  /** The whole text, one space between words, padded with spaces for whole-word lookups. */
  words: string;
  pageCount: number;
}

/** Lower-case words of letters and digits; ligatures and accents folded by NFKC. */
export function wordsOf(text: string): string[] {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

export async function paperText(bytes: Uint8Array): Promise<PaperText> {
  // pdf.js may detach the buffer it is given.
  const { text, totalPages } = await extractText(bytes.slice(), { mergePages: true });
  return { words: ` ${wordsOf(text).join(" ")} `, pageCount: totalPages };
}

/** The longest run of consecutive words of `text` that appears, word for word, in the paper. */
export function longestSharedRun(text: string, paper: PaperText): number {
  const words = wordsOf(text);
  let best = 0;
  for (let start = 0; start + best < words.length; start++) {
    let end = start + best + 1;
    if (!paper.words.includes(` ${words.slice(start, end).join(" ")} `)) continue;
    while (end < words.length && paper.words.includes(` ${words.slice(start, end + 1).join(" ")} `)) end++;
    best = end - start;
  }
  return best;
}

/** Whether every word of `text` (long enough to mean something) occurs somewhere in the paper. */
export function unknownWords(text: string, paper: PaperText, minLength = 4): string[] {
  return [...new Set(wordsOf(text).filter((w) => w.length >= minLength && !paper.words.includes(` ${w} `)))];
}
