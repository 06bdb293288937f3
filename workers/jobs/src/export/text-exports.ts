/**
 * The Markdown and JSON exports, written a module at a time as chunks of
 * text, so a long course never becomes one huge string; `encodeChunks`
 * turns them into bytes for R2.
 */
import { answerLabel, type CourseSource, choiceLetter, type ExportModule } from "@studyhall/core/course-export-model";

/** Moves a lesson's headings below its own title (a `###`), keeping their relative depth. */
export function nestHeadings(markdown: string, topLevel: number): string {
  let shallowest = 6;
  for (const match of markdown.matchAll(/^(#{1,6})\s/gm)) shallowest = Math.min(shallowest, match[1]!.length);
  let fenced = false;
  return markdown
    .split("\n")
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
      const heading = fenced ? null : /^(#{1,6})(\s.*)$/.exec(line);
      return heading ? `${"#".repeat(Math.min(6, topLevel + heading[1]!.length - shallowest))}${heading[2]}` : line;
    })
    .join("\n");
}

/** One line of Markdown from plain text: its line breaks folded, its leading markers made literal. */
const inline = (text: string) => text.replace(/\s*\n\s*/g, " ").replace(/^([#>+-]|\d+\.)(\s)/, "\\$1$2");

function moduleMarkdown(module: ExportModule, index: number, answerKey: string[]): string {
  const parts = [`## ${index + 1}. ${inline(module.title)}`];
  if (module.summary.trim()) parts.push(inline(module.summary));
  for (const lesson of module.lessons) {
    parts.push(`### ${inline(lesson.title)}`, nestHeadings(lesson.bodyMd.trim(), 4));
    if (lesson.keyTerms.length && !/^#{1,6}\s*key terms/im.test(lesson.bodyMd)) {
      parts.push("#### Key terms", lesson.keyTerms.map((k) => `- **${inline(k.term)}**: ${inline(k.definition)}`).join("\n"));
    }
  }
  for (const quiz of module.quizzes) {
    parts.push(`### Quiz: ${inline(quiz.title)}`);
    const key = [`### ${inline(quiz.title)}`];
    quiz.questions.forEach((q, n) => {
      parts.push([`${n + 1}. ${inline(q.prompt)}`, ...q.choices.map((c, i) => `   - ${choiceLetter(i)}) ${inline(c)}`)].join("\n"));
      key.push(`${n + 1}. **${inline(answerLabel(q.answer, q.choices))}**${q.explanation.trim() ? ` — ${inline(q.explanation)}` : ""}`);
    });
    answerKey.push(key.join("\n\n"));
  }
  return `${parts.join("\n\n")}\n\n`;
}

/** The course as one Markdown document: title, contents, modules with lessons and quizzes, answer key. */
export async function* courseMarkdown(source: CourseSource, now = new Date()): AsyncGenerator<string> {
  const { outline } = source;
  const head = [`# ${inline(outline.title)}`];
  if (outline.description.trim()) head.push(outline.description.trim());
  if (outline.audience) head.push(`*For ${inline(outline.audience)}.*`);
  head.push(`*Exported from studyhall on ${now.toISOString().slice(0, 10)}.*`, "## Contents");
  const contents = outline.modules.map((m, i) =>
    [`${i + 1}. ${inline(m.title)}`, ...m.lessons.map((l) => `   - ${inline(l)}`), ...m.quizzes.map((q) => `   - Quiz: ${inline(q)}`)].join(
      "\n",
    ),
  );
  yield `${head.join("\n\n")}\n\n${contents.join("\n")}\n\n`;
  const answerKey: string[] = [];
  let index = 0;
  for await (const module of source.modules()) yield moduleMarkdown(module, index++, answerKey);
  if (answerKey.length) yield `## Answer key\n\n${answerKey.join("\n\n")}\n`;
}

/**
 * The course as JSON, `{ format, version, exportedAt, course, modules }`, with every
 * lesson's Markdown and every question's answer, explanation and source passage.
 */
export async function* courseJson(source: CourseSource, now = new Date()): AsyncGenerator<string> {
  const { id, title, description, audience } = source.outline;
  yield `{"format":"studyhall-course","version":1,"exportedAt":${JSON.stringify(now.toISOString())},"course":${JSON.stringify({ id, title, description, audience })},"modules":[`;
  let first = true;
  for await (const module of source.modules()) {
    yield `${first ? "" : ","}${JSON.stringify(module)}`;
    first = false;
  }
  yield "]}\n";
}

/** Encodes text chunks as they come; the result is one Blob, never one string. */
export async function encodeChunks(chunks: AsyncIterable<string>): Promise<Blob> {
  const encoder = new TextEncoder();
  const parts: Uint8Array<ArrayBuffer>[] = [];
  // TextEncoder never returns a shared buffer.
  for await (const chunk of chunks) parts.push(encoder.encode(chunk) as Uint8Array<ArrayBuffer>);
  return new Blob(parts);
}
