/**
 * The extractive provider's tutoring-session report: no model, the same
 * report for the same transcript every time. Topics are the subject phrases
 * said in several messages (favouring the course's own terms); the student
 * understood what they stated in the course's words or what the teacher then
 * confirmed; gaps are the student's questions and admitted confusion that no
 * "I see" or confirmed explanation followed; the lessons recommended are the
 * course's lessons that best match the gaps (or, with none, the topics).
 * Every quote is a sentence of one message, copied as it was written.
 */
import type { RecommendedLesson, ReportPoint, SessionReportContent, TranscriptQuote } from "@studyhall/core";
import { bm25 } from "./passage-search.ts";
import type { ReportInput, ReportLesson, TranscriptLine } from "./provider.ts";
import {
  confirms,
  isQuestionLike,
  mentions,
  type Phrase,
  phrasesOf,
  questionSentence,
  sentenceMentioning,
  sentencesOf,
  shorten,
  showsUnderstanding,
  statementSentence,
} from "./transcript-text.ts";
import { contentStems } from "./words.ts";

const MAX_TOPICS = 6;
const MAX_POINTS = 6;
const MAX_UNDERSTOOD = 8;
const MAX_LESSONS = 3;
/** How many messages after a question may still resolve it. */
const RESOLVE_WINDOW = 4;

interface Topic {
  phrase: Phrase;
  lines: TranscriptLine[];
}

const quote = (line: TranscriptLine, text: string): TranscriptQuote => ({ seq: line.seq, text: text.slice(0, 1000) });
const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function pickTopics(lines: readonly TranscriptLine[], courseKeys: ReadonlySet<string>): Topic[] {
  const found = new Map<string, { phrase: Phrase; lines: TranscriptLine[]; surfaces: Map<string, number> }>();
  for (const line of lines) {
    for (const phrase of phrasesOf(line.text)) {
      const entry = found.get(phrase.key) ?? { phrase, lines: [], surfaces: new Map<string, number>() };
      if (entry.lines.at(-1) !== line) entry.lines.push(line);
      entry.surfaces.set(phrase.surface, (entry.surfaces.get(phrase.surface) ?? 0) + 1);
      found.set(phrase.key, entry);
    }
  }
  // A topic is said more than once, unless the session is a handful of messages.
  const least = lines.length >= 6 ? 2 : 1;
  const ranked = [...found.values()]
    .filter((e) => e.lines.length >= least)
    .map((e) => ({ e, score: e.lines.length * (1 + 0.6 * (e.phrase.size - 1)) * (courseKeys.has(e.phrase.key) ? 1.5 : 1) }))
    .sort((a, b) => b.score - a.score || a.e.phrase.key.localeCompare(b.e.phrase.key));
  // A word gives way to a two-word term said in a good share of the same places ("light reactions", not "light");
  // longer runs often drag a verb along ("fixes carbon dioxide"), so they must be said nearly everywhere the shorter is.
  const widened = (e: (typeof ranked)[number]["e"]) =>
    ranked.some(({ e: o }) => {
      if (o.phrase.size <= e.phrase.size || !` ${o.phrase.key} `.includes(` ${e.phrase.key} `)) return false;
      return o.lines.length >= (e.phrase.size === 1 && o.phrase.size === 2 ? 0.4 : 0.8) * e.lines.length;
    });
  const chosen: Topic[] = [];
  const used = new Set<string>();
  for (const { e } of ranked) {
    if (chosen.length >= MAX_TOPICS) break;
    if (widened(e)) continue;
    const stems = e.phrase.key.split(" ");
    // One topic per idea: "trace tree" and "tree" are not two.
    if (stems.some((s) => used.has(s))) continue;
    for (const s of stems) used.add(s);
    const surface = [...e.surfaces].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
    chosen.push({ phrase: { ...e.phrase, surface }, lines: e.lines });
  }
  return chosen;
}

function topicPoints(topics: readonly Topic[]): ReportPoint[] {
  return topics.map((t) => ({
    point: t.phrase.surface,
    quotes: t.lines.slice(0, 3).map((line) => quote(line, sentenceMentioning(line.text, t.phrase) ?? line.text.trim())),
  }));
}

/** The teacher's (or tutor's) reply right after a student's message, if it confirms it. */
function confirmation(lines: readonly TranscriptLine[], i: number): TranscriptLine | undefined {
  const reply = lines.slice(i + 1, i + 3).find((l) => l.speaker !== "student");
  return reply && (reply.speaker === "teacher" || reply.speaker === "tutor") && confirms(reply.text) ? reply : undefined;
}

function understood(
  lines: readonly TranscriptLine[],
  topics: readonly Topic[],
  courseStems: ReadonlySet<string>,
): { points: ReportPoint[]; seqs: Set<number> } {
  const points: ReportPoint[] = [];
  const seqs = new Set<number>();
  const seen = new Set<string>();
  lines.forEach((line, i) => {
    if (line.speaker !== "student" || isQuestionLike(line.text)) return;
    const statement = statementSentence(line.text);
    const stems = contentStems(statement);
    if (stems.length < 3) return;
    const confirmedBy = confirmation(lines, i);
    const matched = stems.filter((s) => courseStems.has(s)).length;
    if (!confirmedBy && !(matched >= 3 && matched / stems.length >= 0.6)) return;
    seqs.add(line.seq);
    if (seen.has(statement) || points.length >= MAX_UNDERSTOOD) return;
    seen.add(statement);
    const topic = topics.find((t) => mentions(statement, t.phrase));
    const how = confirmedBy ? "confirmed by the teacher" : "in the course's own terms";
    points.push({
      point: `${topic ? `${capital(topic.phrase.surface)}: ` : ""}${shorten(statement, 160)} (${how})`,
      quotes: [
        quote(line, statement),
        ...(confirmedBy ? [quote(confirmedBy, sentencesOf(confirmedBy.text)[0] ?? confirmedBy.text.trim())] : []),
      ],
    });
  });
  return { points, seqs };
}

function gaps(lines: readonly TranscriptLine[], topics: readonly Topic[], understoodSeqs: ReadonlySet<number>): ReportPoint[] {
  const byKey = new Map<string, ReportPoint>();
  lines.forEach((line, i) => {
    if (line.speaker !== "student" || !isQuestionLike(line.text)) return;
    // Resolved when, soon after, the student says they see it or explains something the teacher confirms.
    const resolved = lines
      .slice(i + 1, i + 1 + RESOLVE_WINDOW)
      .some((later) => later.speaker === "student" && (showsUnderstanding(later.text) || understoodSeqs.has(later.seq)));
    if (resolved) return;
    const asked = questionSentence(line.text);
    const topic = topics.find((t) => mentions(asked, t.phrase));
    const key = topic?.phrase.key ?? asked;
    const known = byKey.get(key);
    if (known) {
      if (known.quotes.length < 3) known.quotes.push(quote(line, asked));
      return;
    }
    if (byKey.size < MAX_POINTS) byKey.set(key, { point: shorten(asked, 200), quotes: [quote(line, asked)] });
  });
  return [...byKey.values()];
}

function recommend(lessons: readonly ReportLesson[], basis: readonly ReportPoint[], fromGaps: boolean): RecommendedLesson[] {
  if (lessons.length === 0) return [];
  // The title counts twice: a lesson named after the question is the one to take.
  const texts = lessons.map((l) => `${l.title} ${l.title} ${l.text}`);
  const picked = new Map<number, { score: number; points: string[]; quotes: TranscriptQuote[] }>();
  for (const item of basis) {
    const scores = bm25(`${item.point} ${item.quotes.map((q) => q.text).join(" ")}`, texts);
    let best = -1;
    scores.forEach((score, i) => {
      if (score > 0 && (best < 0 || score > scores[best]!)) best = i;
    });
    if (best < 0) continue;
    const entry = picked.get(best) ?? { score: 0, points: [], quotes: [] };
    entry.score += scores[best]!;
    entry.points.push(item.point);
    for (const q of item.quotes)
      if (entry.quotes.length < 3 && !entry.quotes.some((x) => x.seq === q.seq && x.text === q.text)) entry.quotes.push(q);
    picked.set(best, entry);
  }
  return [...picked]
    .sort((a, b) => b[1].score - a[1].score || a[0] - b[0])
    .slice(0, MAX_LESSONS)
    .map(([i, entry]) => ({
      lessonId: lessons[i]!.id,
      title: lessons[i]!.title,
      reason: shorten(
        fromGaps
          ? `Covers what was still unclear: ${entry.points.slice(0, 2).join("; ")}`
          : `Goes further into ${entry.points.slice(0, 3).join(", ")}`,
        300,
      ),
      quotes: entry.quotes,
    }));
}

/**
 * The report of a transcript.
 *
 * @example
 * extractiveReport({ transcript, lessons }).gaps[0]?.quotes[0] // { seq: 12, text: "Why does the light reaction need water?" }
 */
export function extractiveReport(input: ReportInput): SessionReportContent {
  const lines = input.transcript.filter((l) => l.text.trim() !== "");
  const courseText = input.lessons.map((l) => `${l.title}\n${l.text}`).join("\n\n");
  const courseKeys = new Set(phrasesOf(courseText).map((p) => p.key));
  const topics = pickTopics(lines, courseKeys);
  const understanding = understood(lines, topics, new Set(contentStems(courseText)));
  const open = gaps(lines, topics, understanding.seqs);
  const topicList = topicPoints(topics);
  return {
    topics: topicList,
    understood: understanding.points,
    gaps: open,
    recommendedLessons: recommend(input.lessons, open.length > 0 ? open : topicList, open.length > 0),
  };
}
