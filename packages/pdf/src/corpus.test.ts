/**
 * Every file of the shared corpus (real PDFs from pdf.js's test suite:
 * papers, a book, forms, scans, broken fonts, encrypted files) goes through
 * the parser: each one parses with text or fails with one of the four codes.
 */
import { parsedDocumentSchema, parseFailureCodes } from "@studyhall/core";
import { describe, expect, it } from "vitest";
import { parsePdf } from "./index.ts";
import { corpusBytes, corpusManifest } from "./test-corpus.ts";

const manifest = await corpusManifest();

describe("the pdfjs corpus", () => {
  it("is all there", () => {
    expect(manifest.length).toBeGreaterThanOrEqual(60);
  });

  it.each(manifest)(
    "$file parses with text or fails with a known code",
    async ({ file, bytes: size, password }) => {
      const bytes = await corpusBytes(file);
      expect(bytes.length).toBe(size);
      const result = await parsePdf(bytes, { maxPages: 1000 });
      if (password !== null) {
        // The parser takes no passwords: a protected file must say so, not come out as damaged.
        expect(result).toMatchObject({ ok: false, code: "pdf-encrypted" });
        return;
      }
      if (!result.ok) {
        expect(parseFailureCodes).toContain(result.code);
        expect(result.detail.length).toBeGreaterThan(0);
        return;
      }
      const doc = parsedDocumentSchema.parse(result.document);
      expect(doc.pages).toHaveLength(doc.pageCount);
      expect(doc.pages.join("").trim().length).toBeGreaterThan(0);
      expect(doc.pages.join("")).not.toMatch(/[\uFB00-\uFB06]/u);
      expect(doc.sections.length).toBeGreaterThan(0);
      for (const section of doc.sections) {
        expect(section.text.trim().length).toBeGreaterThan(0);
        expect(section.pageStart).toBeLessThanOrEqual(section.pageEnd);
        expect(section.pageEnd).toBeLessThanOrEqual(doc.pageCount);
      }
    },
    60_000,
  );
});
