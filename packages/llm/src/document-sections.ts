/**
 * Which parts of a parsed document can teach. Back matter (references,
 * acknowledgements, indexes) and tables of contents are never turned into
 * lessons or questions, and section titles lose their numbering ("2.1",
 * "Chapter 3:") before they become lesson titles.
 */
import type { ParsedDocument, ParsedSection } from "@studyhall/core";
import { type Sentence, sectionSentences } from "./sentences.ts";
import { normalizeForCompare } from "./words.ts";

const BACK_MATTER =
  /^(?:references?|bibliography|works cited|literature cited|sources|citations|further reading|notes|endnotes|footnotes|acknowledge?ments?|index|glossary of symbols|about the authors?|author information|contents|table of contents|list of (?:figures|tables)|copyright|funding|conflicts? of interest|declarations?)$/i;

/** "2.1 Lexical Analysis" -> "Lexical Analysis"; "Chapter 3: Parsing" -> "Parsing". */
export function cleanTitle(title: string): string {
  const cleaned = title
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^(?:chapter|part|section|unit|lecture|module)\s+[\dIVXLC]+[.:)]?\s*[-–—:]?\s*/i, "")
    .replace(/^(?:[\dIVX]+[.)]?)+(?:\.\d+)*\s+(?=\S)/, "")
    .replace(/^[A-Z][.)]\s+(?=[A-Z])/, "")
    .replace(/[.:]+$/, "")
    .trim();
  return cleaned === "" ? title.trim() : cleaned;
}

/** True for references, acknowledgements, indexes and the like. */
export function isBackMatter(section: Pick<ParsedSection, "title">): boolean {
  return BACK_MATTER.test(cleanTitle(section.title).replace(/\s+and\s+.*$/i, ""));
}

/** A section together with its prose sentences, computed once per document. */
export interface TeachableSection {
  section: ParsedSection;
  title: string;
  sentences: Sentence[];
}

const cache = new WeakMap<ParsedDocument, TeachableSection[]>();

/**
 * Every section that is not back matter, with its sentences (possibly none,
 * for a chapter heading whose text lives in its subsections).
 */
export function teachableSections(document: ParsedDocument): TeachableSection[] {
  let sections = cache.get(document);
  if (!sections) {
    sections = document.sections
      .filter((section) => !isBackMatter(section))
      .map((section) => ({ section, title: cleanTitle(section.title), sentences: sectionSentences(section) }));
    cache.set(document, sections);
  }
  return sections;
}

/** The sentences of the given sections, in document order. */
export function sentencesOf(document: ParsedDocument, sectionIndexes: readonly number[]): Sentence[] {
  const wanted = new Set(sectionIndexes);
  return teachableSections(document)
    .filter((s) => wanted.has(s.section.index))
    .flatMap((s) => s.sentences);
}

/**
 * The page a sentence is printed on: found by searching the section's pages
 * for its opening words, else the section's first page.
 */
export function pageOf(document: ParsedDocument, sentence: Sentence): number {
  const section = document.sections.find((s) => s.index === sentence.sectionIndex);
  if (!section) return 1;
  const probe = normalizeForCompare(sentence.text).slice(0, 48);
  for (let page = section.pageStart; page <= section.pageEnd; page++) {
    const text = document.pages[page - 1];
    if (text && normalizeForCompare(text.replace(/-\n/g, "")).includes(probe)) return page;
  }
  return section.pageStart;
}

/** "p. 4" or "pp. 4–6". */
export function pageLabel(pageStart: number, pageEnd: number): string {
  return pageStart === pageEnd ? `p. ${pageStart}` : `pp. ${pageStart}–${pageEnd}`;
}
