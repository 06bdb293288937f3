/**
 * The document's glossary: every term it defines, with the definition in the
 * author's words, ranked by how strong the defining pattern is and how
 * salient the term is (TF-IDF of its words, how often it recurs). Lessons
 * list the best terms of their sections; questions are built from them.
 */
import type { ParsedDocument } from "@studyhall/core";
import { type Definition, type DefinitionKind, findDefinitions, isTermPhrase } from "./definitions.ts";
import { teachableSections } from "./document-sections.ts";
import type { Sentence } from "./sentences.ts";
import { documentIdf } from "./textrank.ts";
import { asSentence, contentStems, isStopword, normalizeForCompare, stem } from "./words.ts";

export interface TermEntry {
  /** As printed, with a sentence-initial capital dropped when the word is not a proper noun. */
  term: string;
  /** Identity for de-duplication: stemmed words, acronym dropped. */
  key: string;
  kind: DefinitionKind;
  /** A noun phrase from the text that describes the term, when the pattern gives one. */
  gloss?: string;
  /** What a lesson prints under the term; always words of the document. */
  definition: string;
  /** The text that holds the definition: a question's source passage. */
  passage: string;
  sentence: Sentence;
  score: number;
}

const KIND_WEIGHT: Record<DefinitionKind, number> = {
  "is-a": 4,
  "refers-to": 4,
  called: 3.5,
  appositive: 3,
  "called-previous": 3,
  which: 2,
  acronym: 2,
  subject: 1,
};

export function termKey(term: string): string {
  return contentStems(term.replace(/\s*\([A-Z][A-Za-z]*[A-Z]s?\)/g, "")).join(" ");
}

const VERB_AFTER_SUBJECT = /^(?:is|are|can|may|must|will|keep|have|use|make|take|run|need|work|[a-z]+(?<![su]s)s)$/;

/** "Dead code elimination removes …": a two- or three-word phrase opening the sentence, then a verb. */
function subjectDefinition(text: string): Definition | undefined {
  const tokens = text.replace(/^(?:A|An|The)\s+/, "").split(/\s+/);
  for (const length of [3, 2]) {
    const phrase = tokens.slice(0, length).join(" ");
    const next = tokens[length] ?? "";
    const verb = VERB_AFTER_SUBJECT.test(next) && (!isStopword(next) || /^(?:is|are|can|may|must|will)$/.test(next));
    if (isTermPhrase(phrase) && verb) {
      return { kind: "subject", term: phrase, atStart: !/^(?:A|An|The)\s/.test(text) };
    }
  }
  return undefined;
}

/** Words printed capitalised somewhere other than a sentence start: proper nouns keep their capital. */
function properWords(sentences: readonly Sentence[]): Set<string> {
  const out = new Set<string>();
  for (const s of sentences) for (const w of s.text.split(/\s+/).slice(1)) if (/^[A-Z][a-z]/.test(w)) out.add(w.replace(/[^\w-]/g, ""));
  return out;
}

function displayTerm(d: Definition, proper: Set<string>): string {
  const first = d.term.split(/\s+/)[0] ?? "";
  const capitalOnlyForSentence = d.atStart && /^[A-Z][a-z]+(?:-[a-z]+)*$/.test(first) && !proper.has(first);
  return capitalOnlyForSentence ? d.term.charAt(0).toLowerCase() + d.term.slice(1) : d.term;
}

function entryFor(
  d: Definition,
  sentence: Sentence,
  previous: Sentence | undefined,
  later: () => readonly Sentence[],
  proper: Set<string>,
): TermEntry | undefined {
  const term = displayTerm(d, proper);
  let definition = sentence.text;
  let passage = sentence.text;
  if (d.gloss) definition = asSentence(d.gloss);
  else if (d.kind === "called-previous") {
    if (!previous) return undefined;
    definition = previous.text;
    passage = `${previous.text} ${sentence.text}`;
  } else if (d.kind === "acronym") {
    // "… use static single assignment (SSA) form. In SSA form every variable …": the next mention explains it.
    const acronym = /\(([^)]+)\)/.exec(d.term)?.[1] ?? "";
    const explained = later().find((s) => new RegExp(`\\b${acronym}\\b`).test(s.text));
    if (explained) definition = explained.text;
  }
  if (!definition || definition.length < 12) return undefined;
  return { term, key: termKey(term), kind: d.kind, gloss: d.gloss, definition, passage, sentence, score: 0 };
}

/** How many sentences mention the term, and the mean IDF of its words. */
function salience(entry: TermEntry, normalized: readonly string[], idf: Map<string, number>): number {
  const bare = normalizeForCompare(entry.term.replace(/\s*\([^)]*\)/g, ""));
  const mentions = normalized.filter((text) => text.includes(bare)).length;
  const stems = bare.split(/\s+/).map(stem);
  const meanIdf = stems.reduce((acc, s) => acc + (idf.get(s) ?? 0), 0) / Math.max(1, stems.length);
  return Math.log(1 + mentions) + meanIdf / 4 + (stems.length > 1 ? 0.3 : 0);
}

const cache = new WeakMap<ParsedDocument, TermEntry[]>();

/**
 * Every defined term of the document's teachable sections, best-scored first
 * per term, in document order.
 *
 * @example
 * documentTerms(document).find((t) => t.term === "lexer")?.definition
 * // -> "A component that reads the stream of characters in a source file and groups them into tokens."
 */
export function documentTerms(document: ParsedDocument): TermEntry[] {
  const cached = cache.get(document);
  if (cached) return cached;
  const sections = teachableSections(document);
  const all = sections.flatMap((s) => s.sentences);
  const normalized = all.map((s) => normalizeForCompare(s.text));
  const position = new Map(all.map((s, i) => [s, i]));
  const idf = documentIdf(document);
  const proper = properWords(all);
  const byKey = new Map<string, TermEntry>();
  for (const { sentences } of sections) {
    sentences.forEach((sentence, i) => {
      const definitions = findDefinitions(sentence.text);
      const subject = subjectDefinition(sentence.text);
      if (subject) definitions.push(subject);
      const previous = i > 0 && sentences[i - 1]?.paragraph === sentence.paragraph ? sentences[i - 1] : undefined;
      const entries = definitions.flatMap((d) => entryFor(d, sentence, previous, () => sentences.slice(i + 1), proper) ?? []);
      for (const entry of entries) {
        // A term inside a stronger term of the same sentence ("Just-In-Time (JIT)" in "Just-In-Time (JIT) compilation") is the same idea.
        const swallowed = entries.some((o) => o !== entry && o.term.length > entry.term.length && o.term.includes(entry.term));
        if (swallowed || entry.key === "") continue;
        entry.score =
          KIND_WEIGHT[entry.kind] +
          salience(entry, normalized, idf) -
          (/\b(?:this|these|those|such|it|they)\b/i.test(entry.definition) ? 1.5 : 0);
        const known = byKey.get(entry.key);
        if (!known || entry.score > known.score) byKey.set(entry.key, entry);
      }
    });
  }
  const order = (t: TermEntry) => position.get(t.sentence) ?? 0;
  const terms = [...byKey.values()].sort((a, b) => order(a) - order(b) || a.term.localeCompare(b.term));
  cache.set(document, terms);
  return terms;
}

/**
 * The best `limit` terms defined in the given sections, in document order;
 * terms found only by the weak "subject" pattern fill in when few others exist.
 */
export function termsIn(document: ParsedDocument, sectionIndexes: readonly number[], limit: number): TermEntry[] {
  const wanted = new Set(sectionIndexes);
  const all = documentTerms(document);
  const candidates = all.filter((t) => wanted.has(t.sentence.sectionIndex));
  const strong = candidates.filter((t) => t.kind !== "subject");
  const pool = strong.length >= Math.min(3, limit) ? strong : candidates;
  const position = new Map(all.map((t, i) => [t, i]));
  const best = new Set([...pool].sort((a, b) => b.score - a.score || (position.get(a) ?? 0) - (position.get(b) ?? 0)).slice(0, limit));
  return pool.filter((t) => best.has(t));
}
