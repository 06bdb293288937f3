/**
 * Reading chat messages for a report: sentences that are exact substrings of
 * the message (so they can be quoted as they were written), key phrases, and
 * the markers of a question, of confusion, of understanding and of a
 * teacher's confirmation. English only, like the rest of the extractive provider.
 */
import { isStopword, stem, words } from "./words.ts";

/** Words that carry conversation, not subject matter: never a topic. */
const CHAT_WORDS = new Set(
  (
    "yes yeah yep nope okay ok right sure thanks thank please think thought know knew mean means meant get gets got see seen saw " +
    "say says said tell told let lets going want wanted really actually maybe guess kind sort thing things something anything lot " +
    "bit good great nice cool fine exactly correct hello hi bye understand understood sense make makes made clear question questions " +
    "answer idea example today time way try tried look looks need needs start another first second next last little different same " +
    "also again still able done doing does did lesson course session confused confusing"
  ).split(" "),
);

/** Confusion said outright, anywhere in a sentence. */
const CONFUSED =
  /\b(?:i\s+(?:still\s+)?(?:don't|do not|can't|cannot)\s+(?:understand|get|see|follow)|i'm\s+(?:confused|lost|not sure)|i am (?:confused|lost|not sure)|(?:is|it's|this is|that's) confusing|no idea)\b/i;
/** A question word opening a sentence ("that's why" in a statement is not a question). */
const ASKS =
  /^(?:(?:so|but|and|then|wait|hmm|um|ok|okay),?\s+)*(?:what(?:'s| is| are| does| do| happens)|why|how (?:does|do|is|are|can|come))\b/i;
const UNDERSTANDING =
  /\b(?:i see|got it|makes sense|that helps|(?:now )?i (?:understand|get it) now|now i (?:understand|get it)|that'?s clear|it'?s clear now|(?:oh|ah),? (?:i see|so|ok|okay))\b/i;
const CONFIRMATION =
  /^(?:yes|yep|yeah|exactly|correct|right|that'?s (?:right|correct|it)|that is (?:right|correct)|good|great|well done|perfect|spot on|precisely|absolutely|nice|excellent)\b/i;

/** Straight apostrophes, so "don’t" and "don't" read alike. */
const plain = (text: string) => text.replace(/[‘’]/g, "'");

/** Whether a sentence asks something or admits confusion. */
function asks(sentence: string): boolean {
  const s = plain(sentence);
  return s.includes("?") || CONFUSED.test(s) || ASKS.test(s);
}

export function isQuestionLike(text: string): boolean {
  return sentencesOf(text).some(asks);
}

export function showsUnderstanding(text: string): boolean {
  const t = plain(text);
  return UNDERSTANDING.test(t) && !CONFUSED.test(t);
}

export function confirms(text: string): boolean {
  return CONFIRMATION.test(plain(text).trim());
}

/** The message's sentences, each an exact substring of it. */
export function sentencesOf(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** The first sentence that reads as a question or confusion; the whole message when none does. */
export function questionSentence(text: string): string {
  return sentencesOf(text).find(asks) ?? text.trim();
}

/** The longest sentence that is not a question: the message's main statement. */
export function statementSentence(text: string): string {
  const statements = sentencesOf(text).filter((s) => !asks(s));
  return statements.reduce((best, s) => (s.length > best.length ? s : best), statements[0] ?? text.trim());
}

const usable = (word: string) => word.length >= 3 && !word.includes("'") && !/^\d/.test(word) && !isStopword(word) && !CHAT_WORDS.has(word);

export interface Phrase {
  /** Stemmed words: the identity of a phrase. */
  key: string;
  /** Lower-cased words as written. */
  surface: string;
  size: number;
}

/** Runs of one to three subject words within a clause (punctuation ends a run). */
export function phrasesOf(text: string): Phrase[] {
  const out: Phrase[] = [];
  for (const clause of plain(text).split(/[.,;:!?()"“”]|\s[-–—]\s/)) {
    let run: string[] = [];
    const flush = () => {
      for (let size = 1; size <= 3; size++) {
        for (let i = 0; i + size <= run.length; i++) {
          const slice = run.slice(i, i + size);
          out.push({ key: slice.map(stem).join(" "), surface: slice.join(" "), size });
        }
      }
      run = [];
    };
    for (const word of words(clause)) {
      if (usable(word)) run.push(word);
      else flush();
    }
    flush();
  }
  return out;
}

/** Whether a text says the phrase (its words in a row, whatever the case or inflection). */
export function mentions(text: string, phrase: Phrase): boolean {
  return phrasesOf(text).some((p) => p.key === phrase.key);
}

/** The first sentence of a message that mentions the phrase. */
export function sentenceMentioning(text: string, phrase: Phrase): string | undefined {
  return sentencesOf(text).find((s) => mentions(s, phrase));
}

/** Cuts a point to `limit` characters at a word boundary. */
export function shorten(text: string, limit = 140): string {
  const t = text.replace(/\s+/g, " ").trim();
  if (t.length <= limit) return t;
  const cut = t.slice(0, limit);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), limit / 2)).trimEnd()}…`;
}
