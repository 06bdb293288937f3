import { describe, expect, it } from "vitest";
import { detectHeadings, type SectionAnchor } from "./headings.ts";
import { buildVocabulary } from "./normalise.ts";
import { linesToText } from "./paragraphs.ts";
import { sectionsFromAnchors, sectionsFromPageGroups } from "./sections.ts";
import { line, page } from "./test-pages.ts";

const none = new Set<never>();
const sentence = "This is an ordinary line of body text that runs across the column.";

describe("detectHeadings", () => {
  it("finds numbered headings in sequence, with their depth", () => {
    const pages = [
      page(1, ["1 Introduction", sentence, sentence, "2 Methods", sentence, "2.1 Sampling", sentence]),
      page(2, ["3 Results", sentence, sentence]),
    ];
    expect(detectHeadings(pages, none).map((h) => [h.title, h.level, h.page])).toEqual([
      ["1 Introduction", 1, 1],
      ["2 Methods", 1, 1],
      ["2.1 Sampling", 2, 1],
      ["3 Results", 1, 2],
    ]);
  });

  it("refuses numbered lines out of sequence and sentences that start with a number", () => {
    const pages = [
      page(1, ["1 Introduction", sentence, "7 Things nobody expects", sentence, "2 Cups of flour are needed, then stir.", sentence]),
    ];
    expect(detectHeadings(pages, none).map((h) => h.title)).toEqual(["1 Introduction"]);
  });

  it("skips table-of-contents entries but keeps chapter headings", () => {
    const pages = [
      page(1, ["Contents", "1 Introduction 3", "2 Methods ........ 7", "Chapter 2 Methods 17", sentence]),
      page(2, ["Chapter 1", sentence, sentence, "1 Introduction", sentence]),
    ];
    expect(detectHeadings(pages, none).map((h) => h.title)).toEqual(["Chapter 1", "1 Introduction"]);
  });

  it("takes larger lines and short ALL-CAPS lines as headings, larger ones first", () => {
    const pages = [page(1, [sentence, sentence, "WHAT CAME BEFORE", sentence, sentence], [line(1, "A Big Heading", 60, { fontSize: 16 })])];
    expect(detectHeadings(pages, none).map((h) => [h.title, h.level])).toEqual([
      ["A Big Heading", 1],
      ["WHAT CAME BEFORE", 2],
    ]);
  });

  it("ignores excluded lines, author lists and links", () => {
    const title = line(1, "The Title", 40, { fontSize: 20 });
    const authors = line(1, "Ann Smith, Bo Li, Cy Young", 70, { fontSize: 14 });
    const pages = [page(1, [sentence, sentence, sentence], [title, authors])];
    expect(detectHeadings(pages, new Set([title]))).toEqual([]);
  });
});

describe("sectionsFromAnchors", () => {
  const pages = [page(1, ["Preface text.", "1 Start", "Body one."]), page(2, ["Body one continues", "2 Next", "Body two."])];
  const vocabulary = buildVocabulary(pages.flatMap((p) => p.lines.map((l) => l.text)));
  const anchor = (title: string, level: number, p: number, lineIndex: number): SectionAnchor => ({
    title,
    level,
    page: p,
    lineIndex,
    headingLines: 1,
  });

  it("cuts text from each heading to the next, with a leading section for what comes first", () => {
    const sections = sectionsFromAnchors(pages, [anchor("1 Start", 1, 1, 1), anchor("2 Next", 1, 2, 1)], vocabulary, "Doc");
    expect(sections.map((s) => [s.index, s.title, s.pageStart, s.pageEnd])).toEqual([
      [0, "Doc", 1, 1],
      [1, "1 Start", 1, 2],
      [2, "2 Next", 2, 2],
    ]);
    expect(sections[1]?.text).toContain("Body one.");
    expect(sections[1]?.text).toContain("Body one continues");
    expect(sections[2]?.text).toBe("Body two.");
  });

  it("drops a parent heading whose first child follows at once, but keeps a leaf heading with its own text", () => {
    const flat = [page(1, ["Part A", "A.1 Child", "Child text.", "Lonely heading"])];
    const sections = sectionsFromAnchors(
      flat,
      [anchor("Part A", 1, 1, 0), anchor("A.1 Child", 2, 1, 1), anchor("Lonely heading", 2, 1, 3)],
      vocabulary,
      "Doc",
    );
    expect(sections.map((s) => [s.title, s.text])).toEqual([
      ["A.1 Child", "Child text."],
      ["Lonely heading", "Lonely heading"],
    ]);
  });
});

describe("sectionsFromPageGroups", () => {
  it("groups pages by size and names them by page range, skipping empty ones", () => {
    const long = "x".repeat(4000);
    const pages = [page(1, [long]), page(2, [long]), page(3, []), page(4, ["short"])];
    const vocabulary = buildVocabulary([]);
    const sections = sectionsFromPageGroups(
      pages,
      pages.map((p) => linesToText(p.lines, vocabulary)),
      vocabulary,
    );
    expect(sections.map((s) => [s.title, s.pageStart, s.pageEnd])).toEqual([
      ["Pages 1–2", 1, 2],
      ["Pages 3–4", 3, 4],
    ]);
    expect(sections.every((s) => s.text.length > 0)).toBe(true);
  });
});

describe("linesToText", () => {
  it("reflows a paragraph and breaks at gaps, indents and list items", () => {
    const lines = [
      line(1, "The first paragraph runs over", 100, { width: 300 }),
      line(1, "two lines and then it ends here.", 112, { width: 300 }),
      line(1, "A second one starts after a gap.", 140, { width: 300 }),
      line(1, "• an item", 152, { width: 300 }),
    ];
    expect(linesToText(lines, buildVocabulary([]))).toBe(
      "The first paragraph runs over two lines and then it ends here.\nA second one starts after a gap.\n• an item",
    );
  });
});
