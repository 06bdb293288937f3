import { describe, expect, it } from "vitest";
import { buildVocabulary, joinHyphenated, normaliseLine, normaliseText } from "./normalise.ts";

describe("normaliseLine", () => {
  it("spells out every typographic ligature", () => {
    expect(normaliseLine("ﬁle ﬂow eﬀort eﬃcient baﬄe ﬅop ﬆyle")).toBe("file flow effort efficient baffle stop style");
  });

  it("folds presentation forms, full-width letters and math alphanumerics, but keeps superscripts and fractions", () => {
    expect(normaliseLine("Ｆｕｌｌ ＡＢＣ")).toBe("Full ABC");
    expect(normaliseLine("√𝑥 + 𝑦")).toBe("√x + y");
    expect(normaliseLine("ﻟﻌﺮﺑﻴﺔ")).toBe("لعربية");
    expect(normaliseLine("x² + ½")).toBe("x² + ½");
  });

  it("rebuilds accents that TeX sets as separate glyphs", () => {
    expect(normaliseLine("a na¨ıve r´esum´e")).toBe("a naïve résumé");
    expect(normaliseLine("don´t")).toBe("don´t");
  });

  it("composes combining marks and collapses odd spaces", () => {
    expect(normaliseLine("caf\u0065\u0301")).toBe("café");
    expect(normaliseLine("  a\u00A0\u2003b\tc  ")).toBe("a b c");
  });

  it("drops control, zero-width, replacement and private-use characters", () => {
    expect(normaliseLine("a\u200Bb\uFEFFc\uFFFDd\uE001e\u0007f")).toBe("abcdef");
  });
});

describe("joinHyphenated", () => {
  it("joins a word split at the line end", () => {
    expect(joinHyphenated("a new gener-", "ation of tools")).toBe("a new generation of tools");
  });

  it("keeps the hyphen of compounds the document spells with one", () => {
    const vocabulary = buildVocabulary(["we use run-time checks"]);
    expect(joinHyphenated("checks at run-", "time too", vocabulary)).toBe("checks at run-time too");
  });

  it("joins when the document spells the word whole", () => {
    const vocabulary = buildVocabulary(["the runtime is small"]);
    expect(joinHyphenated("the run-", "time grows", vocabulary)).toBe("the runtime grows");
  });

  it("keeps the hyphen before capitals and numbers, after one letter and after compound prefixes", () => {
    expect(joinHyphenated("non-", "English text")).toBe("non-English text");
    expect(joinHyphenated("COVID-", "19 cases")).toBe("COVID-19 cases");
    expect(joinHyphenated("send an e-", "mail")).toBe("send an e-mail");
    expect(joinHyphenated("self-", "evident")).toBe("self-evident");
    expect(joinHyphenated("just-", "in-time compilation")).toBe("just-in-time compilation");
  });

  it("keeps two words the text uses on their own", () => {
    const vocabulary = buildVocabulary(["a mixed bag", "in this mode"]);
    expect(joinHyphenated("a mixed-", "mode system", vocabulary)).toBe("a mixed-mode system");
  });

  it("leaves lines alone that do not end in a split word", () => {
    expect(joinHyphenated("pages 10 -", "20")).toBeNull();
    expect(joinHyphenated("a dash –", "then")).toBeNull();
  });

  it("rejoins a link broken at a hyphen", () => {
    expect(joinHyphenated("see http://lua-users.org/lists/lua-l/2008-", "02/msg00051.html")).toBe(
      "see http://lua-users.org/lists/lua-l/2008-02/msg00051.html",
    );
  });
});

describe("normaliseText", () => {
  it("dehyphenates across lines, expands ligatures and keeps other line breaks", () => {
    expect(normaliseText("a new gener-\nation of ﬁles\nnext line")).toBe("a new generation of files\nnext line");
  });

  it("joins soft-hyphenated words and drops stray soft hyphens", () => {
    expect(normaliseText("hyphen\u00AD\nation and in\u00ADline")).toBe("hyphenation and inline");
  });

  it("collapses runs of blank lines into one", () => {
    expect(normaliseText("one\n\n\n\ntwo\n")).toBe("one\n\ntwo");
  });
});
