import { describe, expect, it } from "vitest";
import { cleanTitle, isBackMatter } from "./document-sections.ts";
import { isProse, sectionSentences, splitSentences } from "./sentences.ts";

const texts = (text: string) => sectionSentences({ index: 0, text }).map((s) => s.text);

describe("sentence splitting", () => {
  it("does not end a sentence at abbreviations, initials or decimals", () => {
    expect(
      splitSentences(
        "Most runtimes, e.g. the JVM, use a JIT compiler. As Aho et al. note, parsing is linear. See Fig. 3 for the pipeline. It runs 3.5 times faster, i.e. much faster. J. Smith wrote the first one. The U.S. Navy funded it.",
      ),
    ).toEqual([
      "Most runtimes, e.g. the JVM, use a JIT compiler.",
      "As Aho et al. note, parsing is linear.",
      "See Fig. 3 for the pipeline.",
      "It runs 3.5 times faster, i.e. much faster.",
      "J. Smith wrote the first one.",
      "The U.S. Navy funded it.",
    ]);
  });

  it("splits at question marks, exclamation marks and closing quotes", () => {
    expect(splitSentences('Why compile at all? Speed! He said "parse it first." Then it ran.')).toEqual([
      "Why compile at all?",
      "Speed!",
      'He said "parse it first."',
      "Then it ran.",
    ]);
  });

  it("joins words hyphenated across lines and keeps paragraph numbers", () => {
    const sentences = sectionSentences({
      index: 4,
      text: "The parser reports readable error mes-\nsages to the user.\n\nA second paragraph starts here today.",
    });
    expect(sentences.map((s) => [s.text, s.paragraph, s.order, s.sectionIndex])).toEqual([
      ["The parser reports readable error messages to the user.", 0, 0, 4],
      ["A second paragraph starts here today.", 1, 1, 4],
    ]);
  });

  it("drops table rows, captions and fragments", () => {
    const text =
      "Inlining helps small functions the most of all.\nTable 2: Effect of optimizations\nInlining   12%   +8%\nConstant folding 3% -1%\nsee below";
    expect(texts(text)).toEqual(["Inlining helps small functions the most of all."]);
  });

  it("rejects bibliography entries and URLs as prose", () => {
    expect(isProse("Aho, A. V., Lam, M. S., Sethi, R., and Ullman, J. D. Compilers: Principles, Techniques, and Tools.")).toBe(false);
    expect(isProse("In Proceedings of PLDI, pp. 465-478, 2009.")).toBe(false);
    expect(isProse("The source is available at https://example.org/compiler for anyone.")).toBe(false);
    expect(isProse("Gal et al., 2009. Trace-based just-in-time type specialization.")).toBe(false);
    expect(isProse("A lexer groups the characters of a program into tokens.")).toBe(true);
  });
});

describe("section titles", () => {
  it.each([
    ["2.1 Lexical Analysis", "Lexical Analysis"],
    ["Chapter 3: Parsing", "Parsing"],
    ["IV. Results", "Results"],
    ["Introduction", "Introduction"],
    ["I/O Systems", "I/O Systems"],
    ["10 Garbage Collection.", "Garbage Collection"],
  ])("cleans %s to %s", (title, cleaned) => {
    expect(cleanTitle(title)).toBe(cleaned);
  });

  it.each([
    "References",
    "7 Bibliography",
    "Acknowledgments",
    "Acknowledgements",
    "Works Cited",
    "Index",
    "Table of Contents",
    "Notes and References",
  ])("treats %s as back matter", (title) => expect(isBackMatter({ title })).toBe(true));

  it.each(["Reference Counting", "Indexing Strategies", "Introduction"])("teaches from %s", (title) =>
    expect(isBackMatter({ title })).toBe(false),
  );
});
