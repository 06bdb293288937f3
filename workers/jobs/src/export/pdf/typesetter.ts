/**
 * Measures and encodes text in the embedded fonts, and breaks styled runs
 * into lines. Shaping a string with fontkit is the slow part of writing a
 * PDF, so each distinct word is shaped once per face and its glyph codes and
 * width are reused: a 300-page course has tens of thousands of words but only
 * a few thousand distinct ones.
 */
import type { PDFFont } from "pdf-lib";
import type { Run } from "./markdown-blocks.ts";

export type Face = "regular" | "bold";

/** A piece of a line in one face, `x` points from the line's start. */
export interface Segment {
  face: Face;
  text: string;
  x: number;
}

export interface Line {
  segments: Segment[];
  width: number;
}

interface Shaped {
  /** Glyph codes as PDF hex digits (subset glyph ids), without the angle brackets. */
  hex: string;
  /** Advance width at size 1. */
  width: number;
}

/** A word and the pieces it is made of: "**term**:" is one word in two faces, never broken apart. */
interface Word {
  pieces: { face: Face; text: string }[];
  spaceBefore: boolean;
}

export class Typesetter {
  private readonly shaped: Record<Face, Map<string, Shaped>> = { regular: new Map(), bold: new Map() };

  private readonly fonts: Record<Face, PDFFont>;

  constructor(fonts: Record<Face, PDFFont>) {
    this.fonts = fonts;
  }

  private shape(face: Face, word: string): Shaped {
    let entry = this.shaped[face].get(word);
    if (!entry) {
      const font = this.fonts[face];
      // encodeText also records the glyphs in the font's subset.
      const hex = font.encodeText(word).toString().slice(1, -1);
      entry = { hex, width: font.widthOfTextAtSize(word, 1000) / 1000 };
      this.shaped[face].set(word, entry);
    }
    return entry;
  }

  /** Width in points of a text (words and single spaces) at a size. */
  width(face: Face, text: string, size: number): number {
    let total = 0;
    for (const word of text.split(" ")) total += word ? this.shape(face, word).width : 0;
    return (total + this.shape(face, " ").width * (text.split(" ").length - 1)) * size;
  }

  /** The PDF hex string (with brackets) that draws a text. */
  hex(face: Face, text: string): string {
    const space = this.shape(face, " ").hex;
    return `<${text
      .split(" ")
      .map((word) => (word ? this.shape(face, word).hex : ""))
      .join(space)}>`;
  }

  /** The text cut to fit a width, with an ellipsis when it had to be cut. */
  fit(face: Face, text: string, size: number, maxWidth: number): string {
    if (this.width(face, text, size) <= maxWidth) return text;
    let low = 0;
    let high = text.length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (this.width(face, `${text.slice(0, mid).trimEnd()}…`, size) <= maxWidth) low = mid;
      else high = mid - 1;
    }
    return `${text.slice(0, low).trimEnd()}…`;
  }

  private words(runs: readonly Run[]): Word[] {
    const words: Word[] = [];
    let space = false;
    for (const run of runs) {
      const face: Face = run.bold ? "bold" : "regular";
      const parts = run.text.split(/(\s+)/);
      for (const part of parts) {
        if (part === "") continue;
        if (/^\s+$/.test(part)) {
          space = true;
          continue;
        }
        const last = words.at(-1);
        if (last && !space) last.pieces.push({ face, text: part });
        else words.push({ pieces: [{ face, text: part }], spaceBefore: space && words.length > 0 });
        space = false;
      }
    }
    return words;
  }

  /** Splits a word too wide for any line into pieces that fit. */
  private split(word: Word, size: number, maxWidth: number): Word[] {
    const out: Word[] = [];
    let current: Word = { pieces: [], spaceBefore: word.spaceBefore };
    let width = 0;
    for (const piece of word.pieces) {
      for (const char of piece.text) {
        const w = this.width(piece.face, char, size);
        if (width + w > maxWidth && current.pieces.length) {
          out.push(current);
          current = { pieces: [], spaceBefore: false };
          width = 0;
        }
        const last = current.pieces.at(-1);
        if (last && last.face === piece.face) last.text += char;
        else current.pieces.push({ face: piece.face, text: char });
        width += w;
      }
    }
    if (current.pieces.length) out.push(current);
    return out;
  }

  /** Breaks runs into lines no wider than `maxWidth` at `size`, left-aligned. */
  wrap(runs: readonly Run[], size: number, maxWidth: number): Line[] {
    const lines: Line[] = [];
    let line: Line = { segments: [], width: 0 };
    const wordWidth = (w: Word) => w.pieces.reduce((sum, p) => sum + this.width(p.face, p.text, size), 0);
    const queue = this.words(runs);
    for (let i = 0; i < queue.length; i++) {
      const word = queue[i]!;
      const width = wordWidth(word);
      if (width > maxWidth) {
        queue.splice(i, 1, ...this.split(word, size, maxWidth));
        i--;
        continue;
      }
      const lastSegment = line.segments.at(-1);
      const space = lastSegment && word.spaceBefore ? this.width(lastSegment.face, " ", size) : 0;
      if (lastSegment && line.width + space + width > maxWidth) {
        lines.push(line);
        line = { segments: [], width: 0 };
      }
      const previous = line.segments.at(-1);
      // The space belongs to the text before it, so extracted text keeps its word breaks.
      if (previous && word.spaceBefore) {
        previous.text += " ";
        line.width += this.width(previous.face, " ", size);
      }
      for (const piece of word.pieces) {
        const tail = line.segments.at(-1);
        if (tail && tail.face === piece.face) tail.text += piece.text;
        else line.segments.push({ face: piece.face, text: piece.text, x: line.width });
        line.width += this.width(piece.face, piece.text, size);
      }
    }
    if (line.segments.length) lines.push(line);
    return lines;
  }
}
