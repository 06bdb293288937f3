/**
 * Writes pages top to bottom. Each page's drawing operators are collected as
 * text and, when the page is full, compressed into its content stream at
 * once, so a finished page costs a few kilobytes of deflated bytes rather
 * than thousands of live operator objects: that is what keeps a 300-page
 * export inside a Worker's memory.
 */
import type { PDFDocument, PDFFont, PDFPage } from "pdf-lib";
import type { Face, Line, Typesetter } from "./typesetter.ts";

/** A4 in points, with the margins every page uses. */
export const PAGE = { width: 595.28, height: 841.89, left: 64, right: 64, top: 64, bottom: 72 } as const;
export const CONTENT_WIDTH = PAGE.width - PAGE.left - PAGE.right;

export type Gray = number;

interface PageEntry {
  page: PDFPage;
  /** The page's resource names of the two faces, such as `/DejaVuSans-1`. */
  fontKeys: Record<Face, string>;
}

const num = (n: number) => (Math.round(n * 100) / 100).toString();

export class PageWriter {
  readonly pages: PageEntry[] = [];
  /** The baseline of the next line on the current page. */
  y: number = PAGE.height - PAGE.top;
  private ops: string[] = [];
  private readonly doc: PDFDocument;
  private readonly fonts: Record<Face, PDFFont>;
  readonly type: Typesetter;

  // Plain fields, not parameter properties: the benchmark loads this file with Node's type stripping.
  constructor(doc: PDFDocument, fonts: Record<Face, PDFFont>, type: Typesetter) {
    this.doc = doc;
    this.fonts = fonts;
    this.type = type;
  }

  /** 1-based number of the current page. */
  get pageNumber(): number {
    return this.pages.length;
  }

  /** Ends the current page (if any) and starts a new one at the top. */
  addPage(): number {
    this.finishPage();
    const page = this.doc.addPage([PAGE.width, PAGE.height]);
    const fontKeys = {
      regular: page.node.newFontDictionary(this.fonts.regular.name, this.fonts.regular.ref).asString(),
      bold: page.node.newFontDictionary(this.fonts.bold.name, this.fonts.bold.ref).asString(),
    };
    this.pages.push({ page, fontKeys });
    this.y = PAGE.height - PAGE.top;
    return this.pageNumber;
  }

  /** Room left above the bottom margin. */
  get room(): number {
    return this.y - PAGE.bottom;
  }

  /** Starts a new page unless `height` points still fit on this one. */
  ensure(height: number): void {
    if (this.pages.length === 0 || this.room < height) this.addPage();
  }

  /** The operators that draw one line at a baseline, for any page. */
  lineOps(pageIndex: number, line: Line, x: number, y: number, size: number, gray: Gray = 0.1): string {
    const keys = this.pages[pageIndex]!.fontKeys;
    const parts = [`${num(gray)} g`, "BT"];
    for (const segment of line.segments) {
      parts.push(
        `${keys[segment.face]} ${num(size)} Tf`,
        `1 0 0 1 ${num(x + segment.x)} ${num(y)} Tm`,
        `${this.type.hex(segment.face, segment.text)} Tj`,
      );
    }
    parts.push("ET");
    return parts.join("\n");
  }

  /** Draws a line at the current position and moves down by `leading`. */
  drawLine(line: Line, x: number, size: number, leading: number, gray?: Gray): void {
    this.ops.push(this.lineOps(this.pages.length - 1, line, x, this.y, size, gray));
    this.y -= leading;
  }

  /** A plain text in one face at an exact position on the current page. */
  text(text: string, face: Face, x: number, y: number, size: number, gray?: Gray): void {
    const line: Line = { segments: [{ face, text, x: 0 }], width: 0 };
    this.ops.push(this.lineOps(this.pages.length - 1, line, x, y, size, gray));
  }

  /** A thin horizontal rule across `width` at the current position. */
  rule(x: number, width: number, gray: Gray = 0.75): void {
    this.ops.push(`q ${num(gray)} G 0.6 w ${num(x)} ${num(this.y)} m ${num(x + width)} ${num(this.y)} l S Q`);
  }

  /** Adds operators to any page, finished or not (the contents and the page numbers are drawn last). */
  appendTo(pageIndex: number, ops: string[]): void {
    if (ops.length === 0) return;
    const text = ops.join("\n");
    // Deflating allocates a few hundred kilobytes of working memory each time: not worth it for a page number.
    const stream = text.length < 1024 ? this.doc.context.stream(text) : this.doc.context.flateStream(text);
    this.pages[pageIndex]!.page.node.addContentStream(this.doc.context.register(stream));
  }

  /** Compresses the current page's operators into its content stream and lets them go. */
  finishPage(): void {
    if (this.pages.length === 0) return;
    this.appendTo(this.pages.length - 1, this.ops);
    this.ops = [];
  }
}

/** A dotted leader between two x positions at a baseline, for the table of contents. */
export function leaderOps(x1: number, x2: number, y: number): string {
  return x2 - x1 < 8 ? "" : `q 0.6 G 0.8 w [0.8 2.6] 0 d ${num(x1)} ${num(y + 2)} m ${num(x2)} ${num(y + 2)} l S Q`;
}
