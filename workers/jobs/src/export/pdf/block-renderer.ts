/**
 * Lays Markdown blocks out on pages: sizes and spacing for headings,
 * paragraphs, list items, code and rules; a heading is never left alone at
 * the foot of a page.
 */
import { type Block, markdownBlocks, printable, type Run } from "./markdown-blocks.ts";
import { CONTENT_WIDTH, PAGE, type PageWriter } from "./page-writer.ts";

export const BODY_SIZE = 10.5;
export const LEADING = 1.42;
const HEADING_SIZES = [0, 20, 16, 13.5, 12, 11, 10.5] as const;

export interface TextStyle {
  size?: number;
  indent?: number;
  gray?: number;
  /** Space before, points. */
  before?: number;
  /** Space after, points. */
  after?: number;
}

/** Writes runs as wrapped lines, breaking pages between lines. */
export function paragraph(w: PageWriter, runs: Run[], style: TextStyle = {}): void {
  const size = style.size ?? BODY_SIZE;
  const indent = style.indent ?? 0;
  const leading = size * LEADING;
  const lines = w.type.wrap(runs, size, CONTENT_WIDTH - indent);
  if (style.before && w.pages.length && w.room > leading * 2) w.y -= style.before;
  for (const line of lines) {
    w.ensure(leading);
    w.drawLine(line, PAGE.left + indent, size, leading, style.gray);
  }
  w.y -= style.after ?? size * 0.5;
}

/** A heading that keeps at least two body lines with it. */
export function heading(w: PageWriter, runs: Run[], level: number, style: TextStyle = {}): void {
  const size = style.size ?? HEADING_SIZES[Math.min(6, Math.max(1, level))]!;
  const leading = size * 1.25;
  const bold = runs.map((r) => ({ ...r, bold: true }));
  const lines = w.type.wrap(bold, size, CONTENT_WIDTH - (style.indent ?? 0));
  const before = style.before ?? size * 0.9;
  w.ensure(before + lines.length * leading + BODY_SIZE * LEADING * 2);
  if (w.y < PAGE.height - PAGE.top) w.y -= before;
  for (const line of lines) w.drawLine(line, PAGE.left + (style.indent ?? 0), size, leading, style.gray);
  w.y -= style.after ?? size * 0.35;
}

/** A list item: its marker in the margin of the item's text. */
function item(w: PageWriter, block: Extract<Block, { kind: "item" }>, baseIndent: number): void {
  const indent = baseIndent + 14 + block.depth * 14;
  const size = BODY_SIZE;
  const leading = size * LEADING;
  const lines = w.type.wrap(block.runs, size, CONTENT_WIDTH - indent);
  lines.forEach((line, i) => {
    w.ensure(leading);
    if (i === 0) w.text(block.marker, "regular", PAGE.left + indent - 11 - (block.marker.length - 1) * 5, w.y, size);
    w.drawLine(line, PAGE.left + indent, size, leading);
  });
  w.y -= size * 0.25;
}

/**
 * Renders a lesson's Markdown. Its headings sit below the lesson's own title,
 * so they are shifted to start at `topLevel`.
 */
export function renderMarkdown(w: PageWriter, markdown: string, topLevel = 3, baseIndent = 0): void {
  let shallowest = 6;
  for (const match of markdown.matchAll(/^(#{1,6})\s/gm)) shallowest = Math.min(shallowest, match[1]!.length);
  let previous: Block["kind"] | undefined;
  for (const block of markdownBlocks(markdown)) {
    // A list ends with a little air before what follows it.
    if (previous === "item" && block.kind !== "item") w.y -= BODY_SIZE * 0.4;
    previous = block.kind;
    switch (block.kind) {
      case "heading":
        heading(w, block.runs, Math.min(6, topLevel + block.level - shallowest));
        break;
      case "paragraph":
        paragraph(w, block.runs, { indent: baseIndent + (block.quote ? 18 : 0), gray: block.quote ? 0.3 : undefined });
        break;
      case "item":
        item(w, block, baseIndent);
        break;
      case "code":
        for (const line of block.lines)
          paragraph(w, [{ text: line || " ", bold: false }], { size: 9, indent: baseIndent + 18, after: 0, gray: 0.25 });
        w.y -= 5;
        break;
      case "rule":
        w.ensure(12);
        w.y -= 4;
        w.rule(PAGE.left, CONTENT_WIDTH);
        w.y -= 10;
        break;
    }
  }
}

/** Plain text (a title, a choice) as one run, drawn as it is written. */
export const plain = (text: string, bold = false): Run[] => [{ text: printable(text), bold }];
