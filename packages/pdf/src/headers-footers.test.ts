import { describe, expect, it } from "vitest";
import { isPageNumber, removeRunningLines } from "./headers-footers.ts";
import { line, PAGE_HEIGHT, page } from "./test-pages.ts";

const texts = (pages: ReturnType<typeof removeRunningLines>) => pages.map((p) => p.lines.map((l) => l.text));

/** A book page: running header at the top, page number at the bottom, body in between. */
function bookPage(n: number, header: string, body: string[]) {
  return page(n, body, [line(n, header, 40), line(n, String(n + 10), PAGE_HEIGHT - 30)]);
}

describe("removeRunningLines", () => {
  it("removes a header that recurs at the top of many pages, and the page numbers", () => {
    const pages = [1, 2, 3, 4, 5].map((n) => bookPage(n, "FREE CULTURE", [`Body of page ${n}.`, "More text."]));
    expect(texts(removeRunningLines(pages))).toEqual([1, 2, 3, 4, 5].map((n) => [`Body of page ${n}.`, "More text."]));
  });

  it("removes headers and footers whose number follows the page number", () => {
    const pages = [1, 2, 3, 4].map((n) =>
      page(n, ["Some body text here."], [line(n, `Chapter 2 · ${n + 16}`, 40), line(n, `Page ${n} of 4`, PAGE_HEIGHT - 30)]),
    );
    expect(texts(removeRunningLines(pages))).toEqual([1, 2, 3, 4].map(() => ["Some body text here."]));
  });

  it("keeps headings that start pages but differ from page to page", () => {
    const pages = [1, 2, 3, 4, 5].map((n) => page(n, ["Text."], [line(n, `1.${n} Topic number ${n * 7}`, 40)]));
    expect(texts(removeRunningLines(pages)).every((lines) => lines.length === 2)).toBe(true);
  });

  it("never touches recurring lines in the middle of the page", () => {
    const pages = [1, 2, 3, 4, 5].map((n) => page(n, [`Top line ${n}`], [line(n, "Repeated remark", PAGE_HEIGHT / 2)]));
    expect(texts(removeRunningLines(pages)).every((lines) => lines.includes("Repeated remark"))).toBe(true);
  });

  it("in a two-page document keeps repeated lines but drops lone page numbers", () => {
    const pages = [1, 2].map((n) => bookPage(n, "Report", ["Findings."]));
    expect(texts(removeRunningLines(pages))).toEqual([
      ["Report", "Findings."],
      ["Report", "Findings."],
    ]);
  });

  it("keeps the lines when removing them would leave no text at all", () => {
    const pages = [1, 2, 3, 4, 5].map((n) => page(n, [], [line(n, "CONFIDENTIAL", 40)]));
    expect(texts(removeRunningLines(pages)).flat()).toHaveLength(5);
  });
});

describe("isPageNumber", () => {
  it.each(["7", "xiv", "Page 3", "page 3 of 14", "3 / 14", "– 12 –"])("%s is a page number", (text) => {
    expect(isPageNumber(text)).toBe(true);
  });

  it.each(["2009 ACM", "Figure 3", "mix", "Chapter 1"])("%s is not", (text) => {
    expect(isPageNumber(text)).toBe(false);
  });
});
