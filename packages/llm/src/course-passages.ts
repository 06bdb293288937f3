/**
 * Picking what the tutor reads: a course's document sections cut into
 * passages of a few paragraphs (a whole section would crowd out the rest of
 * a bounded prompt), then the passages that best match the question by BM25
 * (the same ranking the extractive answer uses on sentences).
 */
import { bm25 } from "./passage-search.ts";
import type { Passage } from "./provider.ts";

export interface SectionText {
  index: number;
  title: string;
  text: string;
  pageStart?: number;
  pageEnd?: number;
}

const MAX_PASSAGE_CHARS = 1500;

/** The sections' text as passages of whole paragraphs, each at most about `maxChars` long (a longer paragraph stays whole). */
export function sectionPassages(sections: readonly SectionText[], maxChars = MAX_PASSAGE_CHARS): Passage[] {
  const out: Passage[] = [];
  for (const section of sections) {
    const base = { sectionIndex: section.index, title: section.title, pageStart: section.pageStart, pageEnd: section.pageEnd };
    let current = "";
    for (const paragraph of section.text
      .split(/\n[ \t]*\n/)
      .map((p) => p.trim())
      .filter(Boolean)) {
      if (current && current.length + paragraph.length + 2 > maxChars) {
        out.push({ ...base, text: current });
        current = "";
      }
      current = current ? `${current}\n\n${paragraph}` : paragraph;
    }
    if (current) out.push({ ...base, text: current });
  }
  return out;
}

/**
 * The `limit` passages most about the question, best first; none when no
 * word of the question occurs anywhere.
 *
 * @example
 * topPassages("What does a trace tree record?", sectionPassages(sections), 6)
 */
export function topPassages(question: string, passages: readonly Passage[], limit: number): Passage[] {
  // The section title counts too: a passage under "Trace Trees" is about trace trees.
  const scores = bm25(
    question,
    passages.map((p) => `${p.title}\n${p.text}`),
  );
  return passages
    .map((passage, i) => ({ passage, score: scores[i] ?? 0, i }))
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, limit)
    .map((s) => s.passage);
}
