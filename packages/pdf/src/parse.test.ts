import { type ParsedDocument, parsedDocumentSchema } from "@studyhall/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type ParseResult, pageCount, parsePdf } from "./index.ts";
import { corpusBytes } from "./test-corpus.ts";

const LIGATURES_RE = /[\uFB00-\uFB06]/u;

function parsed(result: ParseResult): ParsedDocument {
  if (!result.ok) throw new Error(`expected a document, got ${result.code}: ${result.detail}`);
  return parsedDocumentSchema.parse(result.document);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("parsePdf on a real paper (tracemonkey.pdf).happy", () => {
  it("reads all 14 pages with normalised text, a title and the paper's headings as sections", async () => {
    const doc = parsed(await parsePdf(await corpusBytes("tracemonkey.pdf"), { maxPages: 50 }));
    expect(doc.pageCount).toBe(14);
    expect(doc.pages).toHaveLength(14);
    expect(doc.title).toBe("Trace-based Just-in-Time Type Specialization for Dynamic Languages");

    const all = doc.pages.join("\n");
    expect(all).toContain("trace trees");
    expect(all).toContain("TraceMonkey");
    expect(all).not.toMatch(LIGATURES_RE);
    expect(all).toContain("naïve"); // TeX's separate diaeresis rebuilt
    expect(all).toContain("more difficult to compile than"); // "com-" + "pile" at a line end, joined
    expect(all).toContain("just-in-time compilation"); // real compounds keep their hyphens

    const titles = doc.sections.map((s) => s.title);
    expect(titles).toEqual(expect.arrayContaining(["Abstract", "1. Introduction", "3.1 Traces", "7. Evaluation", "References"]));
    expect(doc.sections.find((s) => s.title === "3.1 Traces")?.level).toBe(2);
    for (const section of doc.sections) {
      expect(section.text.trim().length).toBeGreaterThan(0);
      expect(section.pageEnd).toBeGreaterThanOrEqual(section.pageStart);
    }
    const intro = doc.sections.find((s) => s.title === "1. Introduction");
    expect(intro?.text).toMatch(/^Dynamic languages such as JavaScript/);
    expect(doc.sections.map((s) => s.index)).toEqual(doc.sections.map((_, i) => i));
  });

  it("fetches nothing while parsing (fonts, CMaps and wasm stay off)", async () => {
    const bytes = await corpusBytes("tracemonkey.pdf");
    const spy = vi.spyOn(globalThis, "fetch");
    expect((await parsePdf(bytes, { maxPages: 50 })).ok).toBe(true);
    expect(spy).not.toHaveBeenCalled();
  });
});

describe("parsePdf with an outline.happy", () => {
  it("takes sections from the bookmarks, resolved to their pages", async () => {
    const doc = parsed(await parsePdf(await corpusBytes("nested_outline.pdf"), { maxPages: 50 }));
    expect(doc.outline.map((e) => [e.title, e.level, e.page])).toEqual([
      ["1. Introduction", 1, 1],
      ["1.1 Background", 2, 2],
      ["1.2 Motivation", 2, 3],
      ["2. Main Content", 1, 4],
      ["2.1 First Topic", 2, 5],
      ["2.2 Second Topic", 2, 6],
      ["3. Conclusion", 1, 7],
      ["3.1 Summary", 2, 8],
      ["3.2 Future Work", 2, 9],
    ]);
    expect(doc.sections.map((s) => [s.title, s.pageStart, s.text])).toContainEqual(["1.2 Motivation", 3, "Content for Motivation"]);
  });

  it("splits a book into its chapters and drops running headers and page numbers", async () => {
    const doc = parsed(await parsePdf(await corpusBytes("freeculture.pdf"), { maxPages: 400 }));
    expect(doc.title).toBe("Free Culture");
    expect(doc.sections.map((s) => s.title)).toEqual(expect.arrayContaining(["PREFACE", "INTRODUCTION", "Chapter 1: Creators"]));
    // Page 41 ends with the running footer "“PIRACY” 27" in the PDF.
    expect(doc.pages[40]).toMatch(/Would manga$/);
  }, 60_000);
});

describe("parsePdf.error", () => {
  it("fails a password-protected PDF with pdf-encrypted", async () => {
    const result = await parsePdf(await corpusBytes("issue6010_1.pdf"), { maxPages: 50 });
    expect(result).toMatchObject({ ok: false, code: "pdf-encrypted" });
  });

  it("fails a scan whose only text is a stray OCR word with pdf-no-text, saying OCR is not available", async () => {
    // scan-bad.pdf is one page-sized scanned image with an invisible text layer reading "pdf.js".
    const result = await parsePdf(await corpusBytes("scan-bad.pdf"), { maxPages: 50 });
    expect(result).toMatchObject({ ok: false, code: "pdf-no-text" });
    expect(!result.ok && result.detail).toMatch(/OCR/);
  });

  it("fails a document whose glyphs map to no real characters with pdf-no-text", async () => {
    expect(await parsePdf(await corpusBytes("font_ascent_descent.pdf"), { maxPages: 50 })).toMatchObject({
      ok: false,
      code: "pdf-no-text",
    });
  });

  it("fails CJK text whose character maps are not bundled with pdf-no-text, naming the collection", async () => {
    // issue16538.pdf uses Adobe-Japan1 CID fonts without a ToUnicode map; pdf.js would fetch the CMap.
    const result = await parsePdf(await corpusBytes("issue16538.pdf"), { maxPages: 50 });
    expect(result).toMatchObject({ ok: false, code: "pdf-no-text", detail: expect.stringContaining("Adobe-Japan1") });
  });

  it("fails with pdf-too-many-pages before reading any text", async () => {
    const result = await parsePdf(await corpusBytes("tracemonkey.pdf"), { maxPages: 13 });
    expect(result).toEqual({ ok: false, code: "pdf-too-many-pages", detail: expect.stringContaining("14 pages") });
  });

  it.each([
    ["empty", new Uint8Array(0)],
    ["not a PDF", new TextEncoder().encode("<html>hello</html>")],
    ["a bare header", new TextEncoder().encode("%PDF-1.7\n%%EOF")],
  ])("fails %s input with pdf-damaged", async (_, bytes) => {
    expect(await parsePdf(bytes, { maxPages: 50 })).toMatchObject({ ok: false, code: "pdf-damaged" });
  });

  it("words a reader's failure for the document's owner and keeps the reader's own message apart, for the log", async () => {
    const result = await parsePdf(new TextEncoder().encode("%PDF-1.7\nthis is no pdf at all"), { maxPages: 50 });
    if (result.ok) throw new Error("a broken file parsed");
    expect(result.code).toBe("pdf-damaged");
    expect(result.detail).not.toMatch(/Exception|Error:|xref|stream/i);
    expect(result.cause).toMatch(/\w+: .+/);
  });

  it("fails a truncated PDF with pdf-damaged", async () => {
    const bytes = await corpusBytes("tracemonkey.pdf");
    expect(await parsePdf(bytes.slice(0, bytes.length / 2), { maxPages: 50 })).toMatchObject({ ok: false, code: "pdf-damaged" });
  });

  it("answers, never throws, for a PDF with garbage written over its middle", async () => {
    const bytes = await corpusBytes("issue13201.pdf");
    const damaged = bytes.slice();
    damaged.fill(0x41, Math.floor(bytes.length * 0.3), Math.floor(bytes.length * 0.6));
    const result = await parsePdf(damaged, { maxPages: 50 });
    expect(result.ok || ["pdf-damaged", "pdf-no-text"].includes(result.code)).toBe(true);
  });

  it("gives up with pdf-damaged when the time budget runs out", async () => {
    const result = await parsePdf(await corpusBytes("freeculture.pdf"), { maxPages: 400, timeoutMs: 1 });
    expect(result).toMatchObject({ ok: false, code: "pdf-damaged", detail: expect.stringContaining("longer than") });
  });
});

describe("pageCount", () => {
  it("counts pages without parsing text, and reports failures like parsePdf", async () => {
    expect(await pageCount(await corpusBytes("tracemonkey.pdf"))).toEqual({ ok: true, pages: 14 });
    expect(await pageCount(await corpusBytes("issue3371.pdf"))).toMatchObject({ ok: false, code: "pdf-encrypted" });
  });
});
