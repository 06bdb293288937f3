/** Test-only builders for synthetic pages and lines: body text at 10 pt, 12 pt line spacing. */
import type { PageLines, TextLine } from "./page-lines.ts";

export const PAGE_HEIGHT = 800;

export function line(page: number, text: string, y: number, options: Partial<TextLine> = {}): TextLine {
  const fontSize = options.fontSize ?? 10;
  return { page, text, x: 72, y, width: text.length * fontSize * 0.5, fontSize, ...options };
}

/** A page with the given lines; `body` lines are laid out from y = 100 down, 12 pt apart. */
export function page(number: number, body: string[], extra: TextLine[] = []): PageLines {
  const lines = body.map((text, i) => line(number, text, 100 + i * 12));
  return { page: number, width: 600, height: PAGE_HEIGHT, lines: [...extra, ...lines] };
}
