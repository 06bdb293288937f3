/**
 * The extractive outline: lessons are the document's own sections, modules
 * its top-level chapters, merged or split to reach the wanted module count.
 * Short sections (a chapter's two-line introduction) join the lesson that
 * follows them instead of becoming a lesson of their own.
 */
import type { CourseOutline, OutlineLesson, OutlineModule, ParsedDocument } from "@studyhall/core";
import { type TeachableSection, teachableSections } from "./document-sections.ts";
import { LlmPermanentError } from "./errors.ts";
import type { OutlineInput } from "./provider.ts";
import { centralSentences, documentIdf } from "./textrank.ts";

/** Fewer prose sentences than this and a section is folded into its neighbour. */
const MIN_LESSON_SENTENCES = 3;
const MAX_DEFAULT_MODULES = 8;

interface Lesson {
  title: string;
  sections: TeachableSection[];
}
interface Group {
  heading: string;
  lessons: Lesson[];
}

const weight = (lessons: readonly Lesson[]) => lessons.reduce((n, l) => n + l.sections.reduce((m, s) => m + s.sentences.length, 0), 0);

/**
 * Chapters (sections at the shallowest level, with everything under them)
 * and their lessons. A chapter heading with no text of its own still names
 * its module.
 */
function chapters(sections: readonly TeachableSection[]): Group[] {
  const top = Math.min(...sections.map((s) => s.section.level));
  const groups: Group[] = [];
  for (const s of sections) {
    if (groups.length === 0 || s.section.level <= top) groups.push({ heading: s.title, lessons: [] });
    const group = groups.at(-1);
    if (!group || s.sentences.length === 0) continue;
    const pending = group.lessons.at(-1);
    // A short introduction waits for the next section; a short tail joins the lesson before it.
    if (pending?.sections.every((x) => x.sentences.length < MIN_LESSON_SENTENCES)) {
      pending.sections.push(s);
      if (s.sentences.length >= MIN_LESSON_SENTENCES) pending.title = s.title;
    } else if (pending && s.sentences.length < MIN_LESSON_SENTENCES && s.section.level > top) pending.sections.push(s);
    else group.lessons.push({ title: s.title, sections: [s] });
  }
  return groups.filter((g) => g.lessons.length > 0);
}

/** Merges neighbouring groups into `count`, keeping the largest module as small as possible. */
function mergeTo(groups: Group[], count: number): Group[] {
  const n = groups.length;
  const prefix = [0];
  for (const g of groups) prefix.push((prefix.at(-1) ?? 0) + weight(g.lessons) + 1);
  const cost = (i: number, j: number) => (prefix[j] ?? 0) - (prefix[i] ?? 0);
  // best[k][j] (flattened): the smallest possible largest module when the first j groups form k modules.
  const width = n + 1;
  const best = new Array<number>((count + 1) * width).fill(Infinity);
  const cut = new Array<number>((count + 1) * width).fill(0);
  best[0] = 0;
  for (let k = 1; k <= count; k++) {
    for (let j = k; j <= n; j++) {
      for (let i = k - 1; i < j; i++) {
        const value = Math.max(best[(k - 1) * width + i] ?? Infinity, cost(i, j));
        if (value < (best[k * width + j] ?? Infinity)) {
          best[k * width + j] = value;
          cut[k * width + j] = i;
        }
      }
    }
  }
  const out: Group[] = [];
  for (let k = count, j = n; k > 0; k--) {
    const i = cut[k * width + j] ?? 0;
    const part = groups.slice(i, j);
    out.unshift(
      part.length === 1 && part[0] ? part[0] : { heading: joinTitles(part.map((g) => g.heading)), lessons: part.flatMap((g) => g.lessons) },
    );
    j = i;
  }
  return out;
}

/** Splits the heaviest group with more than one lesson until there are `count` groups or none can split. */
function splitTo(groups: Group[], count: number): Group[] {
  const out = [...groups];
  while (out.length < count) {
    const candidates = out.filter((g) => g.lessons.length > 1);
    const heaviest = candidates.sort((a, b) => weight(b.lessons) - weight(a.lessons))[0];
    if (!heaviest) break;
    let at = 1;
    while (at < heaviest.lessons.length - 1 && weight(heaviest.lessons.slice(0, at + 1)) * 2 <= weight(heaviest.lessons)) at++;
    const halves = [heaviest.lessons.slice(0, at), heaviest.lessons.slice(at)].map((lessons) => ({
      heading: `${heaviest.heading}: ${joinTitles(lessons.map((l) => l.title))}`,
      lessons,
    }));
    out.splice(out.indexOf(heaviest), 1, ...halves);
  }
  return out;
}

function joinTitles(titles: readonly string[]): string {
  const joined = titles.length <= 3 ? titles.join(", ").replace(/, ([^,]*)$/, " and $1") : `${titles[0]} to ${titles.at(-1)}`;
  return joined.length <= 200 ? joined : `${joined.slice(0, 197).trimEnd()}…`;
}

/** The most central sentence or two of a set of sections. */
function summaryOf(document: ParsedDocument, sections: readonly TeachableSection[], sentences = 2): string {
  const ranked = centralSentences(
    sections.flatMap((s) => s.sentences),
    documentIdf(document),
    sentences,
  );
  return ranked.map((r) => r.sentence.text).join(" ");
}

/**
 * Builds the outline from the document's structure.
 *
 * @example
 * extractiveOutline({ document, moduleCount: 3 }).modules.map((m) => m.title)
 */
export function extractiveOutline(input: OutlineInput): CourseOutline {
  const { document } = input;
  const sections = teachableSections(document);
  let groups = chapters(sections);
  if (groups.length === 0) throw new LlmPermanentError("no-teachable-text", "the document holds no prose to build a course from");
  const lessonCount = groups.reduce((n, g) => n + g.lessons.length, 0);
  const wanted = input.moduleCount ?? (groups.length === 1 ? Math.ceil(lessonCount / 4) : Math.min(groups.length, MAX_DEFAULT_MODULES));
  const target = Math.max(1, Math.min(wanted, lessonCount));
  groups = groups.length > target ? mergeTo(groups, target) : splitTo(groups, target);

  const modules: OutlineModule[] = groups.map((g) => ({
    title: g.heading.slice(0, 200),
    summary: summaryOf(
      document,
      g.lessons.flatMap((l) => l.sections),
    ),
    lessons: g.lessons.map(
      (l): OutlineLesson => ({ title: l.title.slice(0, 200), sectionIndexes: l.sections.map((s) => s.section.index) }),
    ),
  }));
  const title = (input.title?.trim() || document.title?.trim() || sections[0]?.title || "Untitled course").slice(0, 200);
  const lessons = modules.reduce((n, m) => n + m.lessons.length, 0);
  const gist = summaryOf(document, sections, 1);
  const audience = input.audience?.trim() ? ` Written for ${input.audience.trim()}.` : "";
  const scope = `${modules.length} ${modules.length === 1 ? "module" : "modules"} and ${lessons} ${lessons === 1 ? "lesson" : "lessons"}`;
  const pages = document.pageCount > 0 ? ` (${document.pageCount} pages)` : "";
  return {
    title,
    description: `${gist} This course covers the source document${pages} in ${scope}.${audience}`.trim(),
    modules,
  };
}
