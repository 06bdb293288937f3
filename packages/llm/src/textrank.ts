/**
 * Sentence centrality for the extractive provider: TextRank (PageRank over a
 * graph whose edges are TF-IDF cosine similarities) with a teleport biased to
 * paragraph openings, where authors put topic sentences. Deterministic: no
 * randomness, ties broken by document order.
 */
import type { ParsedDocument } from "@studyhall/core";
import { teachableSections } from "./document-sections.ts";
import type { Sentence } from "./sentences.ts";
import { contentStems } from "./words.ts";

export type Vector = Map<string, number>;

/** Inverse document frequency of each stem, treating every sentence as a document. */
export function idfOf(documents: readonly string[][]): Map<string, number> {
  const df = new Map<string, number>();
  for (const stems of documents) for (const s of new Set(stems)) df.set(s, (df.get(s) ?? 0) + 1);
  const n = documents.length;
  const idf = new Map<string, number>();
  for (const [s, count] of df) idf.set(s, Math.log(1 + n / count));
  return idf;
}

const idfCache = new WeakMap<ParsedDocument, Map<string, number>>();

/** IDF over all teachable sentences of a document, so words common to the whole document weigh less. */
export function documentIdf(document: ParsedDocument): Map<string, number> {
  let idf = idfCache.get(document);
  if (!idf) {
    const stems = teachableSections(document).flatMap((s) => s.sentences.map((x) => contentStems(x.text)));
    idf = idfOf(stems);
    idfCache.set(document, idf);
  }
  return idf;
}

/** Sub-linear TF times IDF; unknown stems get the highest IDF seen, as if rare. */
export function tfidf(text: string, idf: Map<string, number>, unknownIdf = 3): Vector {
  const tf = new Map<string, number>();
  for (const s of contentStems(text)) tf.set(s, (tf.get(s) ?? 0) + 1);
  const v: Vector = new Map();
  for (const [s, count] of tf) v.set(s, (1 + Math.log(count)) * (idf.get(s) ?? unknownIdf));
  return v;
}

export function cosine(a: Vector, b: Vector): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [k, x] of a) {
    na += x * x;
    const y = b.get(k);
    if (y !== undefined) dot += x * y;
  }
  for (const y of b.values()) nb += y * y;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * TextRank scores, one per sentence, summing to 1.
 *
 * @example
 * const scores = textRank(sentences, documentIdf(document));
 */
export function textRank(sentences: readonly Sentence[], idf: Map<string, number>, damping = 0.85): number[] {
  const n = sentences.length;
  if (n === 0) return [];
  const vectors = sentences.map((s) => tfidf(s.text, idf));
  const weights = vectors.map((a, i) => vectors.map((b, j) => (i === j ? 0 : cosine(a, b))));
  const outSum = weights.map((row) => row.reduce((x, y) => x + y, 0));
  // Paragraph openings and section openings are likelier topic sentences.
  const bias = sentences.map((s, i) => 1 + (s.order === 0 ? 1 : 0) + (i === 0 || sentences[i - 1]?.paragraph !== s.paragraph ? 0.5 : 0));
  const biasSum = bias.reduce((x, y) => x + y, 0);
  const teleport = bias.map((b) => b / biasSum);

  let scores = new Array<number>(n).fill(1 / n);
  for (let iteration = 0; iteration < 100; iteration++) {
    const dangling = scores.reduce((acc, s, j) => (outSum[j] === 0 ? acc + s : acc), 0);
    const next = scores.map((_, i) => {
      let inflow = 0;
      for (let j = 0; j < n; j++) {
        const w = weights[j]?.[i] ?? 0;
        const total = outSum[j] ?? 0;
        if (w > 0 && total > 0) inflow += (w / total) * (scores[j] ?? 0);
      }
      return (1 - damping) * (teleport[i] ?? 0) + damping * (inflow + dangling * (teleport[i] ?? 0));
    });
    const delta = next.reduce((acc, s, i) => acc + Math.abs(s - (scores[i] ?? 0)), 0);
    scores = next;
    if (delta < 1e-9) break;
  }
  return scores;
}

const DEPENDENT_OPENING =
  /^(?:it|this|these|those|that|they|such|he|she|its|their|however|but|and|so|also|then|thus|therefore|for example|for instance|in this|under this|as a result)\b/i;

/** "A lexer must also decide …": fine in place, weaker as a summary's opening. */
const CONTINUATION = /^(?:\S+\s+){1,4}(?:also|too|again|instead)\b/i;

/** A chosen sentence and its place in the ranking (0 is the most central). */
export interface RankedSentence {
  sentence: Sentence;
  rank: number;
}

/** TextRank is quadratic; beyond this many sentences the graph is built over a shortlist. */
const MAX_GRAPH_SENTENCES = 250;

/**
 * The sentences worth ranking in a long text, in document order: every
 * section opening plus those with the most informative words per length.
 */
function shortlist(sentences: readonly Sentence[], idf: Map<string, number>, limit: number): Sentence[] {
  if (sentences.length <= limit) return [...sentences];
  const weight = (s: Sentence) => {
    const v = [...tfidf(s.text, idf).values()];
    return (s.order === 0 ? 1000 : 0) + v.reduce((a, b) => a + b, 0) / Math.sqrt(Math.max(1, v.length));
  };
  const keep = new Set(
    sentences
      .map((s, i) => ({ i, w: weight(s) }))
      .sort((a, b) => b.w - a.w || a.i - b.i)
      .slice(0, limit)
      .map((x) => x.i),
  );
  return sentences.filter((_, i) => keep.has(i));
}

/**
 * The `count` most central sentences, skipping any too similar to one
 * already chosen, returned in document order.
 */
export function centralSentences(all: readonly Sentence[], idf: Map<string, number>, count: number, maxSimilarity = 0.5): RankedSentence[] {
  const sentences = shortlist(all, idf, MAX_GRAPH_SENTENCES);
  // A sentence that leans on the one before ("It then …", "For example, …") reads badly on its own.
  const scores = textRank(sentences, idf).map((score, i) => {
    const text = sentences[i]?.text ?? "";
    return DEPENDENT_OPENING.test(text) ? score * 0.5 : CONTINUATION.test(text) ? score * 0.75 : score;
  });
  const vectors = sentences.map((s) => tfidf(s.text, idf));
  const byScore = sentences.map((_, i) => i).sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b);
  const chosen: number[] = [];
  for (const i of byScore) {
    if (chosen.length >= count) break;
    const a = vectors[i];
    if (a && chosen.every((j) => cosine(a, vectors[j] ?? new Map()) < maxSimilarity)) chosen.push(i);
  }
  return chosen
    .map((i, rank) => ({ i, rank }))
    .sort((a, b) => a.i - b.i)
    .flatMap(({ i, rank }) => {
      const sentence = sentences[i];
      return sentence ? [{ sentence, rank }] : [];
    });
}
