/**
 * What the fake OpenAI server "writes": replies to the openai provider's
 * prompts (packages/llm/src/prompts.ts, openai-provider.ts), built only from
 * the document text inside <document> … </document>, so every lesson and
 * question really comes from the uploaded paper. The stage is read from the
 * JSON Schema in the system message (what the provider validates against),
 * the details (counts, titles) from the task in the user message.
 */

import { reportReply } from "./fake-openai-report.ts";

export type Stage = "outline" | "lesson" | "questions" | "answer" | "report";

export interface SourceSection {
  index: number;
  title: string;
  text: string;
}

export interface ReadPrompt {
  stage: Stage | undefined;
  /** The user message's text before the document block. */
  task: string;
  /** Everything between the delimiters, or undefined when the prompt had none. */
  documentText: string | undefined;
  title: string | undefined;
  sections: SourceSection[];
}

const SECTION_HEADER = /^\[section (\d+) \| (.*?)(?: \| pages? \d+(?:-\d+)?)?\]$/;

/** Splits the document block into its `[section N | title | pages]` parts. */
function readDocument(block: string): { title: string | undefined; sections: SourceSection[] } {
  const lines = block.split("\n");
  let title: string | undefined;
  const sections: SourceSection[] = [];
  for (const line of lines) {
    const header = SECTION_HEADER.exec(line);
    if (header) sections.push({ index: Number(header[1]), title: header[2]!, text: "" });
    else if (sections.length === 0 && line.startsWith("Title: ")) title = line.slice("Title: ".length);
    else if (sections.length > 0) sections.at(-1)!.text += `${line}\n`;
  }
  for (const s of sections) s.text = s.text.replace(/\s*\[…\]\s*$/, "").trim();
  return { title, sections };
}

/** Which stage a JSON Schema belongs to, by the properties the provider asks for. */
function stageOf(schema: { properties?: Record<string, unknown> }): Stage | undefined {
  const keys = Object.keys(schema.properties ?? {});
  if (keys.includes("modules")) return "outline";
  if (keys.includes("bodyMd")) return "lesson";
  if (keys.includes("questions")) return "questions";
  if (keys.includes("citations")) return "answer";
  if (keys.includes("topics")) return "report";
  return undefined;
}

/** Reads the provider's two messages (a repair round adds more after them; the first two still say what is asked). */
export function readPrompt(messages: { role: string; content: string }[]): ReadPrompt {
  const system = messages.find((m) => m.role === "system")?.content ?? "";
  const user = messages.find((m) => m.role === "user")?.content ?? "";
  const schemaText = /It must match this JSON Schema: (\{.*\})\s*$/s.exec(system)?.[1];
  let stage: Stage | undefined;
  try {
    stage = schemaText ? stageOf(JSON.parse(schemaText)) : undefined;
  } catch {
    stage = undefined;
  }
  const open = user.indexOf("<document>\n");
  const close = user.lastIndexOf("\n</document>");
  const documentText = open >= 0 && close > open ? user.slice(open + "<document>\n".length, close) : undefined;
  const task = open >= 0 ? user.slice(0, open).trim() : user;
  return { stage, task, documentText, ...(documentText ? readDocument(documentText) : { title: undefined, sections: [] }) };
}

/** Sentences of a text, as written (whitespace folded), long enough to teach from. */
export function sentencesOf(text: string): string[] {
  return text
    .replace(/\s+/g, " ")
    .split(/(?<=[.!?])\s+(?=[A-Z“"(])/)
    .map((s) => s.trim())
    .filter((s) => /[.!?]$/.test(s) && s.split(" ").length >= 8 && s.split(" ").length <= 45);
}

const STOP = new Set(
  "about above after again against also although among because been before being below between both could does doing during each either every from further have having here however into itself just more most much must only other over same should since some such than that their them then there these they this those through under until very were what when where which while will with within without would your".split(
    " ",
  ),
);

/** Content words of a sentence that could be asked about (not stop words, not numbers), with where they stand. */
function wordsToAsk(sentence: string): { word: string; at: number }[] {
  return [...sentence.matchAll(/(?<![\w-])[A-Za-z][A-Za-z-]{5,}(?![\w-])/g)]
    .map((m) => ({ word: m[0], at: m.index }))
    .filter((w) => !STOP.has(w.word.toLowerCase()));
}

const candidates = (sentence: string) => wordsToAsk(sentence).map((w) => w.word);

const cleanTitle = (title: string) =>
  title
    .replace(/^\s*(\d+(\.\d+)*\.?|[IVX]+\.)\s+/, "")
    .trim()
    .slice(0, 200) || "Part";

/** A JSON string literal quoted into the task by the provider, e.g. `the lesson "Traces"`. */
function quoted(task: string, before: string): string | undefined {
  const literal = new RegExp(`${before} ("(?:[^"\\\\]|\\\\.)*")`).exec(task)?.[1];
  return literal ? (JSON.parse(literal) as string) : undefined;
}

export function outlineReply(prompt: ReadPrompt) {
  const sections = prompt.sections.filter((s) => sentencesOf(s.text).length > 0);
  const usable = sections.length > 0 ? sections : prompt.sections;
  // At most eight lessons: neighbouring sections share one.
  const perLesson = Math.max(1, Math.ceil(usable.length / 8));
  const lessons: { title: string; sectionIndexes: number[] }[] = [];
  for (let i = 0; i < usable.length; i += perLesson) {
    const group = usable.slice(i, i + perLesson);
    lessons.push({ title: cleanTitle(group[0]!.title), sectionIndexes: group.map((s) => s.index) });
  }
  const asked = Number(/Use exactly (\d+) modules/.exec(prompt.task)?.[1] ?? 0);
  const moduleCount = asked || Math.min(4, Math.max(1, Math.ceil(lessons.length / 3)));
  const modules = Array.from({ length: moduleCount }, (_, m) => {
    const own = lessons.filter((_, i) => Math.floor((i * moduleCount) / lessons.length) === m);
    const mine = own.length > 0 ? own : [lessons[m % lessons.length]!];
    const first = usable.find((s) => s.index === mine[0]!.sectionIndexes[0]);
    return { title: `Part ${m + 1}: ${mine[0]!.title}`, summary: sentencesOf(first?.text ?? "")[0] ?? mine[0]!.title, lessons: mine };
  });
  const opening = sentencesOf(usable[0]?.text ?? "");
  return { title: (prompt.title ?? "A course").slice(0, 200), description: opening.slice(0, 2).join(" "), modules };
}

export function lessonReply(prompt: ReadPrompt) {
  const title = (quoted(prompt.task, "Write the lesson") ?? cleanTitle(prompt.sections[0]?.title ?? "Lesson")).slice(0, 200);
  const parts = prompt.sections.map((s) => ({ title: cleanTitle(s.title), sentences: sentencesOf(s.text) }));
  const intro = parts.find((p) => p.sentences.length > 0)?.sentences[0] ?? title;
  const body = [`## ${title}`, "", intro, ""];
  for (const part of parts) {
    if (part.sentences.length === 0) continue;
    body.push(`### ${part.title}`, "", ...part.sentences.slice(1, 6).map((s) => `- ${s}`), "");
  }
  // Key terms: the most frequent content words, each defined by the first sentence that uses it.
  const all = parts.flatMap((p) => p.sentences);
  const counts = new Map<string, number>();
  for (const word of all.flatMap(candidates)) counts.set(word.toLowerCase(), (counts.get(word.toLowerCase()) ?? 0) + 1);
  const terms = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 4);
  const keyTerms = terms.map(([term]) => ({ term, definition: all.find((s) => s.toLowerCase().includes(term))! }));
  return { title, bodyMd: body.join("\n").trim(), keyTerms };
}

/** Fill-in-the-blank questions: a sentence of the document with one word taken out, and other words of it as wrong choices. */
export function questionsReply(prompt: ReadPrompt) {
  const count = Math.max(1, Number(/Write (\d+) single-choice/.exec(prompt.task)?.[1] ?? 3));
  const sentences = prompt.sections.flatMap((s) => sentencesOf(s.text)).filter((s) => candidates(s).length > 0);
  const vocabulary = [...new Set(sentences.flatMap(candidates).map((w) => w.toLowerCase()))];
  const step = Math.max(1, Math.floor(sentences.length / count));
  const questions: { prompt: string; choices: string[]; answer: number; explanation: string; sourcePassage: string }[] = [];
  for (let i = 0; questions.length < count && i < sentences.length; i += step) {
    const sentence = sentences[i]!;
    const { word: answer, at: where } = wordsToAsk(sentence).sort((a, b) => b.word.length - a.word.length)[0]!;
    const wrong = vocabulary
      .filter((w) => w !== answer.toLowerCase() && !sentence.toLowerCase().includes(w))
      .filter((_, j) => j % 7 === i % 7)
      .slice(0, 3);
    if (wrong.length < 2) continue;
    const choices = [...wrong];
    const position = questions.length % (choices.length + 1);
    choices.splice(position, 0, answer.toLowerCase());
    questions.push({
      prompt: `Which word completes this sentence from the document? "${sentence.slice(0, where)}_____${sentence.slice(where + answer.length)}"`,
      choices,
      answer: position,
      explanation: `The document says: "${sentence}"`,
      sourcePassage: sentence,
    });
  }
  return { questions };
}

export function answerReply(prompt: ReadPrompt) {
  const cited = prompt.sections
    .map((s) => ({ sectionIndex: s.index, quote: sentencesOf(s.text)[0] ?? s.text.slice(0, 200) }))
    .filter((c) => c.quote);
  const text = cited.length > 0 ? `According to the document, ${cited[0]!.quote}` : "The passages do not answer this question.";
  return { text, citations: cited.slice(0, 2) };
}

/** The reply object for a prompt, or undefined when the stage is not one the provider uses. */
export function replyFor(prompt: ReadPrompt): object | undefined {
  switch (prompt.stage) {
    case "outline":
      return outlineReply(prompt);
    case "lesson":
      return lessonReply(prompt);
    case "questions":
      return questionsReply(prompt);
    case "answer":
      return answerReply(prompt);
    case "report":
      return reportReply(prompt.documentText);
    default:
      return undefined;
  }
}
