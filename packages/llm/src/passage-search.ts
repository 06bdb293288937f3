/**
 * Finds the sentences that best answer a question, for the extractive tutor
 * and for narrowing practice questions to a topic. Okapi BM25 over
 * sentences: it rewards rare words of the question and does not let long
 * sentences win by length alone.
 */
import type { Citation, Passage } from "./provider.ts";
import { type Sentence, sectionSentences } from "./sentences.ts";
import { contentStems } from "./words.ts";

const K1 = 1.2;
const B = 0.75;

/** BM25 score of each text for the query; 0 when no query word occurs. */
export function bm25(query: string, texts: readonly string[]): number[] {
  const docs = texts.map(contentStems);
  const terms = [...new Set(contentStems(query))];
  const avg = docs.reduce((n, d) => n + d.length, 0) / Math.max(1, docs.length);
  const df = new Map(terms.map((t) => [t, docs.filter((d) => d.includes(t)).length]));
  return docs.map((d) => {
    let score = 0;
    for (const t of terms) {
      const tf = d.filter((x) => x === t).length;
      if (tf === 0) continue;
      const n = df.get(t) ?? 0;
      const idf = Math.log(1 + (docs.length - n + 0.5) / (n + 0.5));
      score += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * d.length) / Math.max(1, avg)));
    }
    return score;
  });
}

interface Candidate {
  sentence: Sentence;
  passage: Passage;
}

/** Sentences of the passages; a passage with no prose sentence counts as one sentence. */
function candidates(passages: readonly Passage[]): Candidate[] {
  return passages.flatMap((passage) => {
    const sentences = sectionSentences({ index: passage.sectionIndex, text: passage.text });
    const kept =
      sentences.length > 0 ? sentences : [{ text: passage.text.trim(), sectionIndex: passage.sectionIndex, paragraph: 0, order: 0 }];
    return kept.filter((s) => s.text !== "").map((sentence) => ({ sentence, passage }));
  });
}

/**
 * The best-matching sentences, each with its neighbour when that neighbour
 * also matches, as citations in order of relevance.
 *
 * @example
 * bestPassages("What does a lexer do?", passages, 3)[0]?.quote // "A lexer is a component that …"
 */
export function bestPassages(question: string, passages: readonly Passage[], limit: number): Citation[] {
  const all = candidates(passages);
  const scores = bm25(
    question,
    all.map((c) => c.sentence.text),
  );
  const order = all.map((_, i) => i).filter((i) => (scores[i] ?? 0) > 0);
  order.sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b);
  const used = new Set<number>();
  const citations: Citation[] = [];
  for (const i of order) {
    if (citations.length >= limit) break;
    if (used.has(i)) continue;
    const here = all[i];
    if (!here) continue;
    // Quote the following sentence too when it continues the same thought and also matches.
    const next = all[i + 1];
    const joinNext =
      next && next.passage === here.passage && next.sentence.paragraph === here.sentence.paragraph && (scores[i + 1] ?? 0) > 0;
    used.add(i);
    if (joinNext) used.add(i + 1);
    const { passage } = here;
    citations.push({
      sectionIndex: passage.sectionIndex,
      title: passage.title,
      pageStart: passage.pageStart,
      pageEnd: passage.pageEnd,
      quote: joinNext && next ? `${here.sentence.text} ${next.sentence.text}` : here.sentence.text,
    });
  }
  return citations;
}
