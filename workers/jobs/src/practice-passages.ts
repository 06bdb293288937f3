/**
 * Which passages a practice bank's questions are written from: one section of
 * a document, a document's sections about a topic, or — when only a topic is
 * given — the sections about it across the parsed documents the requester may
 * read (their own, those behind courses they can see; an admin's, all the
 * organisation's), never another teacher's private document. Each passage
 * keeps where it came from, so every question can name its document and section.
 */

import { PermanentJobError } from "@studyhall/core";
import { type Db, type PassageSection, readableSections, sectionsMentioning, type Viewer } from "@studyhall/db";
import type { Passage } from "@studyhall/llm";

/** A passage for the provider (numbered uniquely) and where it lives. */
export interface SourcedPassage {
  passage: Passage;
  documentId: string;
  sectionIndex: number;
}

export interface PassageRequest {
  /** Who asked, as they are now: only what they may read is searched. */
  reader: Viewer;
  documentId?: string;
  sectionIndex?: number;
  topic?: string;
}

/** Enough text for a bank of 50 questions, little enough to keep one call's input bounded. */
const MAX_PASSAGES = 12;
/** Sections read from D1 before ranking, when searching the whole organisation. */
const MAX_CANDIDATES = 200;
const STOPWORDS = new Set([
  "the",
  "and",
  "for",
  "with",
  "from",
  "into",
  "about",
  "what",
  "how",
  "why",
  "of",
  "in",
  "on",
  "to",
  "a",
  "an",
  "is",
  "are",
  "its",
]);

/** The topic's words worth searching for, lower-cased, at most eight. */
export function topicWords(topic: string): string[] {
  const words = topic.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words.filter((w) => w.length >= 2 && !STOPWORDS.has(w)))].slice(0, 8);
}

/** How well a section matches: distinct topic words present (a title hit counts double), then total hits. */
function score(words: readonly string[], title: string, text: string): number {
  const t = title.toLowerCase();
  const body = text.toLowerCase();
  let distinct = 0;
  let hits = 0;
  for (const word of words) {
    const inTitle = t.includes(word);
    const count = body.split(word).length - 1;
    if (inTitle || count > 0) distinct += inTitle ? 2 : 1;
    hits += Math.min(count, 20);
  }
  return distinct * 1000 + hits;
}

function toPassages(rows: readonly PassageSection[]): SourcedPassage[] {
  return rows.map((row, i) => ({
    // Sections of different documents share positions; the provider needs them apart.
    passage: { sectionIndex: i, title: row.title, text: row.text, pageStart: row.pageStart, pageEnd: row.pageEnd },
    documentId: row.documentId,
    sectionIndex: row.position,
  }));
}

function rank(rows: PassageSection[], topic: string): PassageSection[] {
  const words = topicWords(topic);
  if (words.length === 0) return rows.slice(0, MAX_PASSAGES);
  const scored = rows.map((row) => ({ row, score: score(words, row.title, row.text) })).filter((s) => s.score > 0);
  scored.sort((a, b) => b.score - a.score || a.row.position - b.row.position);
  return scored.slice(0, MAX_PASSAGES).map((s) => s.row);
}

/**
 * The passages to write questions from.
 * @throws PermanentJobError when the document is gone or unparsed, or nothing matches the topic.
 */
export async function selectPassages(db: Db, request: PassageRequest): Promise<SourcedPassage[]> {
  const topic = request.topic?.trim() || undefined;
  let rows: PassageSection[];
  if (request.documentId) {
    const sections = await readableSections(db, request.reader, request.documentId, request.sectionIndex);
    if (!sections) {
      throw new PermanentJobError("document-not-parsed", "The document is not available", "The document is gone or has not been parsed.");
    }
    rows = sections;
    if (rows.length === 0)
      throw new PermanentJobError(
        "section-not-found",
        "The section does not exist",
        `The document has no section ${request.sectionIndex}.`,
      );
    // A chosen section is used whole (the provider narrows it to the topic); otherwise the topic picks sections.
    if (request.sectionIndex === undefined) rows = topic ? rank(rows, topic) : rows.slice(0, MAX_PASSAGES);
  } else {
    if (!topic) throw new PermanentJobError("bad-input", "Nothing to write questions from", "Give a topic, a document, or both.");
    rows = await sectionsMentioning(db, request.reader, topicWords(topic), MAX_CANDIDATES);
    rows = rank(rows, topic);
  }
  if (rows.length === 0) {
    throw new PermanentJobError(
      "no-matching-passages",
      "Nothing matches the topic",
      `No parsed document you may read says anything about "${topic}".`,
    );
  }
  return toPassages(rows);
}

const squash = (text: string) => text.replace(/\s+/g, " ").trim().toLowerCase();

/** The passage a question's source passage was quoted from, if any. */
export function passageOf(passages: readonly SourcedPassage[], sourcePassage: string): SourcedPassage | undefined {
  const needle = squash(sourcePassage);
  return passages.find((p) => squash(p.passage.text).includes(needle)) ?? (passages.length === 1 ? passages[0] : undefined);
}
