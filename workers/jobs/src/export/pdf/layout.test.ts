/** The PDF export's Markdown reading and line breaking. */
import fontkit from "@pdf-lib/fontkit";
import { PDFDocument } from "pdf-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { exportFonts } from "../pdf-fonts.ts";
import { type Block, inlineRuns, markdownBlocks } from "./markdown-blocks.ts";
import { Typesetter } from "./typesetter.ts";

const text = (block: Block) => ("runs" in block ? block.runs.map((r) => r.text).join("") : "");

describe("markdown blocks", () => {
  it("reads headings, paragraphs, lists, code and rules", () => {
    const md =
      "# Title\n\nFirst line\nsecond line.\n\n- one\n  continued\n- **two**\n3. three\n\n```\ncode  line\n```\n\n---\n\n> quoted\n\n## Learn C#";
    const blocks = [...markdownBlocks(md)];
    expect(blocks.map((b) => b.kind)).toEqual(["heading", "paragraph", "item", "item", "item", "code", "rule", "paragraph", "heading"]);
    expect(text(blocks[1]!)).toBe("First line second line.");
    expect(blocks[2]).toMatchObject({ marker: "•", runs: [{ text: "one continued", bold: false }] });
    expect(blocks[3]).toMatchObject({ runs: [{ text: "two", bold: true }] });
    expect(blocks[4]).toMatchObject({ marker: "3." });
    expect(blocks[5]).toEqual({ kind: "code", lines: ["code  line"] });
    expect(blocks[7]).toMatchObject({ quote: true, runs: [{ text: "quoted" }] });
    expect(blocks[8]).toMatchObject({ level: 2, runs: [{ text: "Learn C#" }] });
  });

  it("keeps bold runs and reduces other markup to its text", () => {
    expect(inlineRuns("A **lexer** reads `x = 1` and [links](https://x.test) *softly*.")).toEqual([
      { text: "A ", bold: false },
      { text: "lexer", bold: true },
      { text: " reads x = 1 and links softly.", bold: false },
    ]);
  });

  it("leaves escaped, arithmetic and in-word markers as text", () => {
    expect(inlineRuns("3 \\* 4 = 12, 3 * 4, snake_case and a\\_b")).toEqual([
      { text: "3 * 4 = 12, 3 * 4, snake_case and a_b", bold: false },
    ]);
  });
});

describe("line breaking", () => {
  let type: Typesetter;

  beforeAll(async () => {
    const doc = await PDFDocument.create();
    doc.registerFontkit(fontkit);
    type = new Typesetter({
      regular: await doc.embedFont(exportFonts.regular, { subset: true }),
      bold: await doc.embedFont(exportFonts.bold, { subset: true }),
    });
  });

  it("fills lines up to the width, keeping every word in order and its face", () => {
    const runs = inlineRuns("Δ-encoding of **trace trees** in naïve interpreters, ".repeat(12));
    const lines = type.wrap(runs, 10, 200);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(line.width).toBeLessThanOrEqual(200.01);
    const joined = lines.map((l) => l.segments.map((s) => s.text).join("")).join(" ");
    expect(joined.replace(/\s+/g, " ").trim()).toBe("Δ-encoding of trace trees in naïve interpreters, ".repeat(12).trim());
    const bold = lines.flatMap((l) => l.segments.filter((s) => s.face === "bold").map((s) => s.text.trim()));
    expect(bold.join(" ")).toMatch(/^(trace|trees|trace trees)( (trace|trees|trace trees))*$/);
  });

  it("splits a word wider than the line, and cuts a title with an ellipsis", () => {
    const lines = type.wrap([{ text: "x".repeat(300), bold: false }], 10, 100);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line.width).toBeLessThanOrEqual(100.01);
    const cut = type.fit("regular", "A rather long lesson title that cannot fit", 10, 80);
    expect(cut.endsWith("…")).toBe(true);
    expect(type.width("regular", cut, 10)).toBeLessThanOrEqual(80);
  });
});
