/**
 * Wrong answers that are worth reading: other terms the document defines (or
 * their definitions), chosen to look like the right answer (same number of
 * words, similar length, an acronym when it has one) so the shape gives
 * nothing away. Terms that overlap the answer ("JIT compiler" for
 * "Just-In-Time (JIT) compilation") are left out: they would be half right.
 */
import type { TermEntry } from "./key-terms.ts";
import { contentStems, normalizeForCompare, stableHash } from "./words.ts";

const ACRONYM = /\(([A-Z][A-Za-z]*[A-Z])s?\)/;

/** Content stems of a term, its acronym included, for overlap checks. */
function termStems(term: string): Set<string> {
  const acronym = ACRONYM.exec(term)?.[1]?.toLowerCase();
  const stems = new Set(contentStems(term.replace(ACRONYM, "")));
  if (acronym) stems.add(acronym);
  return stems;
}

/** True when two terms share a content word: one would be partly right where the other is. */
export function overlaps(a: string, b: string): boolean {
  const x = termStems(a);
  for (const s of termStems(b)) if (x.has(s)) return true;
  return false;
}

/** The bare words of a term, without its acronym, as they would be found in running text. */
export function bareTerm(term: string): string {
  return normalizeForCompare(term.replace(/\s*\([^)]*\)/g, ""));
}

/** How different two choices look; 0 is identical in shape. */
function shapeDistance(a: string, b: string): number {
  const wa = a.split(/\s+/).length;
  const wb = b.split(/\s+/).length;
  const lengthGap = Math.abs(a.length - b.length) / Math.max(a.length, b.length);
  const acronymGap = ACRONYM.test(a) === ACRONYM.test(b) ? 0 : 1;
  const pluralGap = /s$/.test(bareTerm(a)) === /s$/.test(bareTerm(b)) ? 0 : 0.3;
  return Math.min(3, Math.abs(wa - wb)) * 0.6 + lengthGap * 2 + acronymGap + pluralGap;
}

/** Candidates sorted nearest-first; ties broken by a hash of the pair so the order is stable but not alphabetical. */
function nearest<T>(answer: string, candidates: T[], text: (t: T) => string, penalty: (t: T) => number): T[] {
  const key = (t: T) => shapeDistance(answer, text(t)) + penalty(t);
  return [...candidates].sort((a, b) => key(a) - key(b) || stableHash(answer + text(a)) - stableHash(answer + text(b)));
}

/** Keeps the first `count` whose normalised text is new. */
function distinct(values: string[], taken: string[], count: number): string[] {
  const seen = new Set(taken.map(normalizeForCompare));
  const out: string[] = [];
  for (const v of values) {
    const n = normalizeForCompare(v);
    if (out.length >= count) break;
    if (!seen.has(n)) {
      seen.add(n);
      out.push(v);
    }
  }
  return out;
}

/**
 * Other terms as wrong answers to "Which term …?".
 *
 * @example
 * termDistractors(lexer, allTerms, 3, "Which term names a component that …?") // ["token", "grammar", "parsing"]
 */
export function termDistractors(answer: TermEntry, pool: readonly TermEntry[], count: number, stem: string): string[] {
  const stemText = normalizeForCompare(stem);
  const candidates = pool.filter((t) => t.key !== answer.key && !overlaps(t.term, answer.term) && !stemText.includes(bareTerm(t.term)));
  const sameSection = (t: TermEntry) => (t.sentence.sectionIndex === answer.sentence.sectionIndex ? -0.2 : 0);
  const weak = (t: TermEntry) => (t.kind === "subject" ? 0.6 : 0);
  const ordered = nearest(
    answer.term,
    candidates,
    (t) => t.term,
    (t) => sameSection(t) + weak(t),
  );
  return distinct(
    ordered.map((t) => t.term),
    [answer.term],
    count,
  );
}

/** Starts a gloss with a capital, as a choice is printed. */
export function glossChoice(gloss: string): string {
  return gloss.charAt(0).toUpperCase() + gloss.slice(1);
}

/** Other terms' definitions as wrong answers to "What does X mean?". */
export function glossDistractors(answer: TermEntry, pool: readonly TermEntry[], count: number): string[] {
  const answerTerm = bareTerm(answer.term);
  const candidates = pool.filter(
    (t): t is TermEntry & { gloss: string } =>
      t.gloss !== undefined &&
      t.key !== answer.key &&
      !overlaps(t.term, answer.term) &&
      !normalizeForCompare(t.gloss).includes(answerTerm) &&
      !/\b(?:this|these|those|such)\b/i.test(t.gloss),
  );
  const ordered = nearest(
    glossChoice(answer.gloss ?? ""),
    candidates,
    (t) => glossChoice(t.gloss),
    () => 0,
  );
  return distinct(
    ordered.map((t) => glossChoice(t.gloss)),
    [answer.gloss ?? ""],
    count,
  );
}
