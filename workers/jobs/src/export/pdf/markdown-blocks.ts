/**
 * Just enough Markdown for a printed lesson: headings, paragraphs, bullet
 * and numbered lists, block quotes, code blocks and rules, with bold runs
 * inline. Emphasis, code spans and links are reduced to their text, since
 * print has one body face and a bold one. Lines are read one at a time,
 * so a long lesson is never copied whole.
 */

export interface Run {
  text: string;
  bold: boolean;
}

export type Block =
  | { kind: "heading"; level: number; runs: Run[] }
  | { kind: "paragraph"; runs: Run[]; quote: boolean }
  | { kind: "item"; marker: string; depth: number; runs: Run[] }
  | { kind: "code"; lines: string[] }
  | { kind: "rule" };

// A closing run of #s counts only after a space, so "Learn C#" keeps its #.
const HEADING = /^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const BULLET = /^(\s*)([-*+])\s+(.*)$/;
const NUMBERED = /^(\s*)(\d{1,3})[.)]\s+(.*)$/;
const FENCE = /^\s*(```|~~~)/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;
const LINK = /^!?\[([^\]]*)\]\(([^)\s]*)(?:\s+"[^"]*")?\)/;

/** Removes characters no font draws (controls) and turns tabs into spaces. */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is what this expression is for
  return text.replace(/\t/g, "    ").replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B\uFEFF]/g, "");
}

/** Inline Markdown to styled runs: `**bold**` and `__bold__` kept, other markup reduced to its text. */
export function inlineRuns(source: string): Run[] {
  const text = printable(source);
  const runs: Run[] = [];
  let bold = false;
  let current = "";
  const flush = () => {
    if (current) runs.push({ text: current, bold });
    current = "";
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === "\\" && next !== undefined && /[!-/:-@[-`{-~]/.test(next)) {
      current += next;
      i++;
    } else if ((c === "*" || c === "_") && next === c) {
      // `__` inside a word (snake__case) is text; `**` always marks bold.
      const inWord = c === "_" && /\w/.test(text[i - 1] ?? "") && /\w/.test(text[i + 2] ?? "");
      if (inWord) current += "__";
      else {
        flush();
        bold = !bold;
      }
      i++;
    } else if (c === "*" || c === "_") {
      // Emphasis markers vanish; a lone one between spaces ("3 * 4") or inside a word (snake_case) is text.
      const before = text[i - 1] ?? " ";
      const after = next ?? " ";
      const literal = (/\s/.test(before) && /\s/.test(after)) || (c === "_" && /\w/.test(before) && /\w/.test(after));
      if (literal) current += c;
    } else if (c === "`") {
      const end = text.indexOf("`", i + 1);
      if (end === -1) current += c;
      else {
        current += text.slice(i + 1, end);
        i = end;
      }
    } else if (c === "[" || (c === "!" && next === "[")) {
      const link = LINK.exec(text.slice(i));
      if (link) {
        current += link[1];
        i += link[0].length - 1;
      } else current += c;
    } else current += c;
  }
  flush();
  return runs;
}

/** The blocks of a Markdown text, in order. */
export function* markdownBlocks(markdown: string): Generator<Block> {
  let paragraph: string[] = [];
  let quote = false;
  let item: { marker: string; depth: number; lines: string[] } | undefined;
  let code: string[] | undefined;

  function* flush(): Generator<Block> {
    if (paragraph.length) yield { kind: "paragraph", runs: inlineRuns(paragraph.join(" ")), quote };
    if (item) yield { kind: "item", marker: item.marker, depth: item.depth, runs: inlineRuns(item.lines.join(" ")) };
    paragraph = [];
    item = undefined;
    quote = false;
  }

  let start = 0;
  while (start <= markdown.length) {
    let end = markdown.indexOf("\n", start);
    if (end === -1) end = markdown.length;
    const line = markdown.slice(start, end).replace(/\r$/, "");
    start = end + 1;

    if (code) {
      if (FENCE.test(line)) {
        yield { kind: "code", lines: code };
        code = undefined;
      } else code.push(printable(line));
      continue;
    }
    if (FENCE.test(line)) {
      yield* flush();
      code = [];
      continue;
    }
    if (line.trim() === "") {
      yield* flush();
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      yield* flush();
      yield { kind: "heading", level: heading[1]!.length, runs: inlineRuns(heading[2]!) };
      continue;
    }
    if (RULE.test(line)) {
      yield* flush();
      yield { kind: "rule" };
      continue;
    }
    const listItem = BULLET.exec(line) ?? NUMBERED.exec(line);
    if (listItem) {
      yield* flush();
      const marker = /\d/.test(listItem[2]!) ? `${listItem[2]}.` : "•";
      item = { marker, depth: Math.min(3, Math.floor(listItem[1]!.replace(/\t/g, "    ").length / 2)), lines: [listItem[3]!] };
      continue;
    }
    if (item && /^\s+\S/.test(line)) {
      item.lines.push(line.trim());
      continue;
    }
    const quoted = /^\s*>\s?(.*)$/.exec(line);
    if (quoted && !paragraph.length) quote = true;
    if (item) yield* flush();
    paragraph.push(quoted ? quoted[1]! : line.trim());
  }
  if (code) yield { kind: "code", lines: code };
  yield* flush();
}
