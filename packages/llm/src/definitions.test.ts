import { describe, expect, it } from "vitest";
import { expansionBefore, findDefinitions } from "./definitions.ts";
import { languageImplementationNotes as document } from "./fixtures/language-implementation.ts";
import { documentTerms } from "./key-terms.ts";

const first = (sentence: string) => findDefinitions(sentence)[0];

describe("definitional patterns", () => {
  it("reads 'X is a/an/the …'", () => {
    expect(first("A lexer is a component that groups characters into tokens.")).toEqual({
      kind: "is-a",
      term: "lexer",
      gloss: "a component that groups characters into tokens",
      atStart: false,
    });
    expect(
      first("The generational hypothesis is the observation that most objects die young, so collectors look at young objects first."),
    ).toMatchObject({
      term: "generational hypothesis",
      gloss: "the observation that most objects die young",
    });
  });

  it("ignores clauses that only look like definitions", () => {
    expect(findDefinitions("It is a common mistake to skip this step.")).toEqual([]);
    expect(findDefinitions("The output of a parser is usually an abstract syntax tree.")).toEqual([]);
    expect(findDefinitions("Fig. 1 shows the typical pipeline, which these notes follow.")).toEqual([]);
  });

  it("reads 'X refers to …' with an acronym in the term", () => {
    expect(first("Just-In-Time (JIT) compilation refers to translating code while the program runs.")).toMatchObject({
      kind: "refers-to",
      term: "Just-In-Time (JIT) compilation",
      gloss: "translating code while the program runs",
    });
  });

  it("reads 'called X' in its three shapes", () => {
    expect(first("A program that translates source code ahead of time is called a compiler.")).toMatchObject({
      kind: "called",
      term: "compiler",
      gloss: "a program that translates source code ahead of time",
    });
    expect(first("This technique is called inlining.")).toMatchObject({ kind: "called-previous", term: "inlining" });
    expect(first("The usual rule, called maximal munch, takes the longest token.")).toMatchObject({
      kind: "called",
      term: "maximal munch",
    });
  });

  it("reads 'X, which …' and appositives", () => {
    const kinds = findDefinitions("Tools convert these descriptions into a finite automaton, a simple machine that moves between states.");
    expect(kinds).toContainEqual({
      kind: "appositive",
      term: "finite automaton",
      gloss: "a simple machine that moves between states",
      atStart: false,
    });
    expect(first("Together with register allocation, which assigns values to registers, it pays off.")).toMatchObject({
      kind: "which",
      term: "register allocation",
    });
    expect(first("The runtime performs deoptimization, which returns to interpreted code.")).toMatchObject({ term: "deoptimization" });
  });

  it("expands acronyms from the initials before them", () => {
    expect(expansionBefore("we use Just-In-Time", "JIT")).toBe("Just-In-Time");
    expect(expansionBefore("described by a context-free grammar", "CFG")).toBe("context-free grammar");
    expect(expansionBefore("the Department of Energy", "DOE")).toBe("Department of Energy");
    expect(expansionBefore("a fast compiler", "LLVM")).toBeUndefined();
  });
});

describe("the document's glossary", () => {
  const terms = new Map(documentTerms(document).map((t) => [t.term, t]));

  it("finds the terms a teacher would list, with the author's definitions", () => {
    for (const term of [
      "compiler",
      "lexer",
      "token",
      "grammar",
      "parsing",
      "symbol table",
      "basic block",
      "bytecode",
      "hot spot",
      "garbage collection",
      "inlining",
    ]) {
      expect(terms.has(term), term).toBe(true);
    }
    expect(terms.get("hot spot")?.definition).toBe("Frequently executed code.");
    expect(terms.get("inlining")?.definition).toBe(
      "Replacing a call to a function with a copy of the function's body avoids the overhead of the call and exposes further opportunities for optimization.",
    );
    expect(terms.get("static single assignment (SSA)")?.definition).toBe(
      "In SSA form every variable is assigned exactly once, which makes it easy to see where each value comes from.",
    );
  });

  it("keeps proper nouns capitalised and drops a capital that only starts the sentence", () => {
    expect(terms.has("three-address code")).toBe(true);
    expect(terms.has("Java Virtual Machine (JVM)")).toBe(true);
  });

  it("takes nothing from the reference list", () => {
    expect(terms.has("garbage collector")).toBe(false);
  });
});
