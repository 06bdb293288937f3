/**
 * Text clean-up for extracted PDF text: ligatures expanded, compatibility
 * characters folded where that cannot change meaning, invisible characters
 * dropped, whitespace collapsed, and words split at line ends joined again.
 */

/** Typographic ligatures, spelled out (pdf.js expands most, but not all fonts map them). */
const LIGATURES: Readonly<Record<string, string>> = {
  "\uFB00": "ff",
  "\uFB01": "fi",
  "\uFB02": "fl",
  "\uFB03": "ffi",
  "\uFB04": "ffl",
  "\uFB05": "st", // ſt: the long s reads as s today
  "\uFB06": "st",
  "\u0132": "IJ",
  "\u0133": "ij",
  "\uA732": "AA",
  "\uA733": "aa",
};
const LIGATURE_RE = new RegExp(`[${Object.keys(LIGATURES).join("")}]`, "gu");

/**
 * Blocks where NFKC only removes presentation detail: Hebrew and Arabic
 * presentation forms, full- and half-width forms, mathematical alphanumerics
 * (𝑥 → x) and Roman numeral signs. NFKC is not applied to the whole text
 * because it would also flatten superscripts and fractions (x² → x2, ½ → 1⁄2).
 */
const NFKC_SAFE_RE = /[\uFB13-\uFDFF\uFE70-\uFEFF\uFF01-\uFFEE\u2160-\u217F\u{1D400}-\u{1D7FF}]+/gu;
/** Every Unicode space becomes a plain space. */
const SPACES_RE = /[\t\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/gu;
/**
 * Dropped: control characters, zero-width characters and marks, replacement
 * characters, and private-use code points (glyphs a font never mapped to
 * Unicode; they render as boxes). Soft hyphens go too, except at the end of a
 * line, where they mark a split word for `joinHyphenated`.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is what this expression is for
const INVISIBLE_RE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B-\u200D\u2060\uFEFF\uFFFD\uE000-\uF8FF]|\u00AD(?!\s*$)/gu;

/** Removes soft hyphens left at line ends once lines have been joined. */
export function dropSoftHyphens(text: string): string {
  return text.replace(/\u00AD/g, "");
}

/**
 * TeX sets accents as separate spacing glyphs before the letter ("na¨ıve",
 * "´etude"); the pair is rebuilt as one character. The acute only combines
 * with vowels, because "´" also stands in for an apostrophe ("don´t").
 */
const SPACING_ACCENTS: Readonly<Record<string, string>> = {
  "\u00A8": "\u0308",
  "\u02C6": "\u0302",
  "\u02DC": "\u0303",
  "\u02C7": "\u030C",
  "\u02D8": "\u0306",
  "\u02DA": "\u030A",
  "\u02DD": "\u030B",
  "\u00B8": "\u0327",
  "\u00B4": "\u0301",
};
const SPACING_ACCENT_RE = new RegExp(
  [
    "(?<=^|\\p{L})([\\u00A8\\u02C6\\u02DC\\u02C7\\u02D8\\u02DA\\u02DD\\u00B8])\\s?([\\p{L}ı])",
    "(?<=^|\\p{L}|\\s)\\u00B4([aeiouyAEIOUYı])",
  ].join("|"),
  "gu",
);

function combineAccents(line: string): string {
  return line.replace(SPACING_ACCENT_RE, (_, accent?: string, letter?: string, vowel?: string) => {
    const base = (letter ?? vowel ?? "").replace("ı", "i");
    return base + (SPACING_ACCENTS[accent ?? "\u00B4"] ?? "");
  });
}

/** Normalises the characters of one line (no line breaks expected). */
export function normaliseLine(line: string): string {
  return combineAccents(line)
    .replace(LIGATURE_RE, (ch) => LIGATURES[ch] ?? ch)
    .replace(NFKC_SAFE_RE, (run) => run.normalize("NFKC"))
    .replace(SPACES_RE, " ")
    .replace(/[\r\n]/g, " ")
    .replace(INVISIBLE_RE, "")
    .normalize("NFC")
    .replace(/ {2,}/g, " ")
    .trim();
}

/** Words (and hyphenated compounds) that occur whole somewhere in the document, lower-cased. */
export type Vocabulary = ReadonlySet<string>;

const WORD_RE = /\p{L}+(?:-\p{L}+)*/gu;

/** Collects the words of already normalised lines, skipping a word cut at a line end. */
export function buildVocabulary(lines: Iterable<string>): Set<string> {
  const words = new Set<string>();
  for (const line of lines) {
    const cut = /\p{L}[-\u00AD\u2010]$/u.test(line);
    const found = [...line.matchAll(WORD_RE)].map((m) => m[0].toLowerCase());
    if (cut) found.pop();
    // A line's first word may be the tail of a split word; it still is a word of the text.
    for (const word of found) words.add(word);
  }
  return words;
}

/**
 * Prefixes that form compounds with the hyphen kept ("self-evident"). Short
 * on purpose: "pre-", "ex-" or "all-" are also ordinary hyphenation points
 * ("pre-sent", "ex-ample", "al-low").
 */
const COMPOUND_PREFIXES = new Set(["self", "well", "quasi"]);
const SPLIT_HEAD_RE = /(\p{L}+(?:-\p{L}+)*)[-\u00AD\u2010]$/u;
const TAIL_WORD_RE = /^(\p{L}+(?:-\p{L}+)*)/u;

/**
 * Joins a line that ends in a hyphenated word with the next line. The hyphen
 * is dropped ("gener-" + "ation" → "generation") unless the word is a real
 * compound: the document spells it with a hyphen elsewhere, the tail is
 * capitalised or a number ("non-" + "English"), the head is a single letter
 * ("e-" + "mail") or a compound prefix ("self-" + "evident").
 * Returns null when `head` does not end in a split word.
 */
export function joinHyphenated(head: string, tail: string, vocabulary: Vocabulary = new Set()): string | null {
  // A link broken after a hyphen or slash continues without a space: "…/lua-l/2008-" + "02/msg.html".
  if (/(?:https?:\/\/|www\.)\S*[-/]$/u.test(head) && /^[\p{Ll}\p{N}]/u.test(tail)) return head + tail;
  const split = SPLIT_HEAD_RE.exec(head);
  if (!split?.[1] || tail.length === 0) return null;
  const stem = head.slice(0, head.length - 1);
  const softHyphen = head.endsWith("\u00AD");
  if (softHyphen) return stem + tail;
  if (!/^\p{Ll}/u.test(tail)) return /^[\p{Lu}\p{Lt}\p{N}]/u.test(tail) ? `${stem}-${tail}` : null;
  const headWord = split[1].toLowerCase();
  const lastPart = headWord.split("-").pop() ?? headWord;
  const tailWord = (TAIL_WORD_RE.exec(tail)?.[1] ?? "").toLowerCase();
  const firstTailPart = tailWord.split("-")[0] ?? tailWord;
  const joined = `${lastPart}${firstTailPart}`;
  const hyphenated = `${lastPart}-${firstTailPart}`;
  if (vocabulary.has(joined)) return stem + tail;
  if (vocabulary.has(hyphenated) || vocabulary.has(`${headWord}-${tailWord}`)) return `${stem}-${tail}`;
  if (tailWord.includes("-") || headWord.includes("-")) return `${stem}-${tail}`; // "just-" + "in-time"
  if (lastPart.length === 1 || COMPOUND_PREFIXES.has(lastPart)) return `${stem}-${tail}`;
  // Two words the text uses on their own, and never joined: "mixed-" + "mode". Short halves
  // ("can-" + "not") are left to the default, which is to join.
  const wordsOnTheirOwn = vocabulary.has(lastPart) && vocabulary.has(firstTailPart);
  if (wordsOnTheirOwn && lastPart.length >= 4 && firstTailPart.length >= 4) return `${stem}-${tail}`;
  return stem + tail;
}

/**
 * Normalises a whole text: every line cleaned, hyphenated line ends joined,
 * blank lines collapsed. Line breaks that are not hyphenation are kept.
 * @example normaliseText("a new gener-\nation of ﬁles") // "a new generation of files"
 */
export function normaliseText(text: string, vocabulary?: Vocabulary): string {
  const lines = text.split(/\r\n|\r|\n/).map(normaliseLine);
  const vocab = vocabulary ?? buildVocabulary(lines);
  const out: string[] = [];
  let blank = false;
  for (const line of lines) {
    if (line.length === 0) {
      blank = out.length > 0;
      continue;
    }
    const previous = out[out.length - 1];
    const joined = previous !== undefined && !blank ? joinHyphenated(previous, line, vocab) : null;
    if (joined !== null) out[out.length - 1] = joined;
    else out.push(blank ? `\n${line}` : line);
    blank = false;
  }
  return dropSoftHyphens(out.join("\n")).trim();
}
