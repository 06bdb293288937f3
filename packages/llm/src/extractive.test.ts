import {
  type CourseOutline,
  type GeneratedLesson,
  type GeneratedQuestion,
  generatedLessonSchema,
  generatedQuestionSchema,
} from "@studyhall/core";
import { describe, expect, it } from "vitest";
import { cleanTitle } from "./document-sections.ts";
import { createExtractiveProvider } from "./extractive.ts";
import { languageImplementationNotes as document } from "./fixtures/language-implementation.ts";
import { ZERO_USAGE } from "./provider.ts";
import { normalizeForCompare } from "./words.ts";

const provider = createExtractiveProvider();
const norm = normalizeForCompare;
/** The teachable text, references and acknowledgements left out, as a teacher would search it. */
const BODY = norm(
  document.sections
    .filter((s) => s.index < 12)
    .map((s) => s.text.replace(/-\n/g, ""))
    .join("\n\n"),
);
const BACK_MATTER = norm(
  document.sections
    .filter((s) => s.index >= 12)
    .map((s) => s.text)
    .join("\n"),
);
/** Asserts the text occurs in the document's teachable text (case and spacing aside). */
const expectInDocument = (text: string) => expect(BODY.includes(norm(text)), `not in the document: ${text}`).toBe(true);

async function wholeCourse(moduleCount?: number) {
  const doc = structuredClone(document);
  const { outline, usage } = await provider.outline({ document: doc, moduleCount });
  const lessons: GeneratedLesson[][] = [];
  const quizzes: GeneratedQuestion[][] = [];
  for (const [m, module] of outline.modules.entries()) {
    const written: GeneratedLesson[] = [];
    for (const l of module.lessons.keys())
      written.push((await provider.lesson({ document: doc, outline, moduleIndex: m, lessonIndex: l })).lesson);
    lessons.push(written);
    quizzes.push((await provider.quiz({ document: doc, outline, moduleIndex: m, lessons: written })).questions);
  }
  return { outline, usage, lessons, quizzes };
}

const course = await wholeCourse();

function lessonSentences(bodyMd: string): string[] {
  const [summary = "", rest = ""] = bodyMd.split("### Key terms")[0]?.split("### Key points") ?? [];
  const points = rest
    .split("\n")
    .filter((l) => l.startsWith("- "))
    .map((l) => l.slice(2));
  return [...summary.trim().split(/(?<=[.!?])\s+(?=[A-Z])/), ...points].map(unescape).filter((s) => s.trim() !== "");
}

describe("extractive outline", () => {
  it("follows the document's chapters and names lessons after its sections", () => {
    expect(course.outline.modules.map((m) => m.title)).toEqual(["Introduction", "The Front End", "Optimization", "Running Programs"]);
    const sectionTitles = new Map(document.sections.map((s) => [s.index, cleanTitle(s.title)]));
    for (const lesson of course.outline.modules.flatMap((m) => m.lessons)) {
      expect(lesson.sectionIndexes.map((i) => sectionTitles.get(i))).toContain(lesson.title);
    }
    expect(course.outline.modules[1]?.lessons.map((l) => l.title)).toEqual(["Lexical Analysis", "Parsing", "Semantic Analysis"]);
  });

  it("leaves references and acknowledgements out of every lesson", () => {
    const used = course.outline.modules.flatMap((m) => m.lessons.flatMap((l) => l.sectionIndexes));
    expect(used).not.toContain(12);
    expect(used).not.toContain(13);
    expect([...new Set(used)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it.each([1, 2, 3, 6])("groups the chapters into %i modules when asked, in reading order", async (moduleCount) => {
    const { outline } = await provider.outline({ document, moduleCount });
    expect(outline.modules).toHaveLength(moduleCount);
    const order = outline.modules.flatMap((m) => m.lessons.flatMap((l) => l.sectionIndexes));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    for (const m of outline.modules) expect(m.title.length).toBeGreaterThan(0);
  });

  it("names a module after a chapter heading that has no text of its own", async () => {
    const bare = { ...document, sections: document.sections.map((s) => (s.index === 1 || s.index === 5 ? { ...s, text: "" } : s)) };
    const { outline } = await provider.outline({ document: bare });
    expect(outline.modules.map((m) => m.title)).toEqual(["Introduction", "The Front End", "Optimization", "Running Programs"]);
    expect(outline.modules[1]?.lessons[0]).toEqual({ title: "Lexical Analysis", sectionIndexes: [2] });
  });

  it("uses the given title and audience and reports zero tokens", async () => {
    const { outline, usage } = await provider.outline({ document, title: "Compilers 101", audience: "second-year students" });
    expect(outline.title).toBe("Compilers 101");
    expect(outline.description).toContain("second-year students");
    expect(usage).toEqual(ZERO_USAGE);
    expect(course.outline.title).toBe("How Programming Languages Are Implemented");
  });
});

describe("extractive lessons", () => {
  const all = course.lessons.flat();

  it("are valid lessons built only from sentences of the document", () => {
    for (const lesson of all) {
      generatedLessonSchema.parse(lesson);
      const sentences = lessonSentences(lesson.bodyMd);
      expect(sentences.length).toBeGreaterThanOrEqual(2);
      for (const sentence of sentences) expectInDocument(sentence);
    }
  });

  it("render a summary, key points, key terms and a source line with pages", () => {
    const lexing = course.lessons[1]?.[0];
    expect(lexing?.title).toBe("Lexical Analysis");
    expect(lexing?.bodyMd).toContain("### Key points");
    expect(lexing?.bodyMd).toContain("### Key terms");
    expect(lexing?.bodyMd).toMatch(/\*Source: 2 The Front End; 2\.1 Lexical Analysis, p\. 2\.\*$/);
    expect(lexing?.sources).toEqual([
      { sectionIndex: 1, pageStart: 2, pageEnd: 2 },
      { sectionIndex: 2, pageStart: 2, pageEnd: 2 },
    ]);
    expect(course.lessons[1]?.[1]?.bodyMd).toContain("pp. 2–3");
  });

  it("list key terms with definitions taken from the text", () => {
    const lexing = course.lessons[1]?.[0];
    expect(lexing?.keyTerms).toContainEqual({
      term: "lexer",
      definition: "A component that reads the stream of characters in a source file and groups them into tokens.",
    });
    expect(lexing?.keyTerms).toContainEqual({ term: "token", definition: "The smallest meaningful unit of a program." });
    const jit = course.lessons[3]?.[1]?.keyTerms.find((k) => k.term.startsWith("Just-In-Time"));
    expect(jit).toEqual({
      term: "Just-In-Time (JIT) compilation",
      definition: "Translating parts of a program into machine code while the program is running.",
    });
    for (const { term, definition } of all.flatMap((l) => l.keyTerms)) {
      expectInDocument(term);
      expectInDocument(definition.replace(/\.$/, ""));
    }
  });

  it("never quote the reference list", () => {
    const text = norm(JSON.stringify(course));
    for (const marker of [
      "addison-wesley",
      "cambridge university press",
      "frees memory automatically",
      "we thank the students",
      "proceedings of",
    ]) {
      expect(text).not.toContain(marker);
    }
    expect(BACK_MATTER).toContain("frees memory automatically");
  });
});

describe("extractive quizzes", () => {
  const questions = course.quizzes.flat();

  it("ask several questions per module", () => {
    expect(course.quizzes.map((q) => q.length)).toEqual([2, 6, 4, 6]);
    for (const q of questions) generatedQuestionSchema.parse(q);
  });

  it("have an answer that its source passage states, and a passage that is in the document", () => {
    for (const q of questions) {
      const correct = q.choices[q.answer] ?? "";
      expectInDocument(q.sourcePassage);
      expect(norm(q.sourcePassage), q.prompt).toContain(norm(correct));
      expect(q.explanation).toContain(`“${q.sourcePassage}”`);
      expect(norm(q.prompt)).not.toContain(norm(correct));
    }
  });

  it("offer distinct distractors that are themselves terms or definitions from the document", () => {
    for (const q of questions) {
      expect(new Set(q.choices.map(norm)).size, q.prompt).toBe(q.choices.length);
      expect(q.choices).toHaveLength(4);
      for (const choice of q.choices) expectInDocument(choice);
    }
  });

  it("mix 'Which term …' and 'What does X …' stems", () => {
    expect(questions.some((q) => q.prompt.startsWith("Which term names"))).toBe(true);
    expect(questions.some((q) => q.prompt.startsWith("Which term completes this sentence"))).toBe(true);
    expect(questions.some((q) => /^What does “.+” (?:mean|refer to)\?$/.test(q.prompt))).toBe(true);
    const lexer = questions.find((q) => q.choices[q.answer] === "lexer");
    expect(lexer?.prompt).toBe(
      "Which term names a component that reads the stream of characters in a source file and groups them into tokens?",
    );
  });

  it("do not always put the answer first", () => {
    expect(new Set(questions.map((q) => q.answer)).size).toBeGreaterThan(2);
  });
});

describe("extractive determinism", () => {
  it("produces the same course twice", async () => {
    expect(await wholeCourse()).toEqual(course);
    expect(await wholeCourse(3)).toEqual(await wholeCourse(3));
  });
});

describe("extractive tutor and practice questions", () => {
  const passages = document.sections.map((s) => ({
    sectionIndex: s.index,
    title: cleanTitle(s.title),
    text: s.text,
    pageStart: s.pageStart,
    pageEnd: s.pageEnd,
  }));

  it("answers with the best-matching passages quoted and cited", async () => {
    const answer = await provider.answer({ question: "What does garbage collection reclaim?", passages });
    expect(answer.citations[0]).toMatchObject({ sectionIndex: 11, title: "Garbage Collection", pageStart: 7, pageEnd: 8 });
    expect(answer.citations[0]?.quote).toContain("Garbage collection is the automatic reclamation of memory");
    expect(answer.text).toContain("> Garbage collection is the automatic reclamation of memory");
    expect(answer.text).toContain("*Garbage Collection*, pp. 7–8");
    expect(answer.usage).toEqual(ZERO_USAGE);
  });

  it("says so when nothing matches", async () => {
    const answer = await provider.answer({ question: "Who won the 1998 World Cup?", passages });
    expect(answer.citations).toEqual([]);
  });

  it.each([
    ["easy", 3],
    ["medium", 4],
    ["hard", 5],
  ] as const)("writes %s questions with %i choices", async (difficulty, choices) => {
    const { questions } = await provider.generateQuestions({ document, difficulty, count: 5 });
    expect(questions).toHaveLength(5);
    for (const q of questions) expect(q.choices).toHaveLength(choices);
  });

  it("keeps to the topic", async () => {
    const { questions } = await provider.generateQuestions({
      document,
      topic: "garbage collection of unreachable objects",
      difficulty: "medium",
      count: 3,
    });
    expect(questions.length).toBeGreaterThan(0);
    const gc = norm(document.sections[11]?.text ?? "");
    for (const q of questions) expect(gc).toContain(norm(q.sourcePassage));
  });

  it("works from passages instead of a document", async () => {
    const { questions } = await provider.generateQuestions({ passages: passages.slice(2, 5), difficulty: "easy", count: 4 });
    expect(questions.length).toBe(4);
    for (const q of questions)
      expect(
        norm(
          passages
            .slice(2, 5)
            .map((p) => p.text)
            .join(" ")
            .replace(/-\n/g, ""),
        ),
      ).toContain(norm(q.sourcePassage));
  });
});

describe("extractive on a long document", () => {
  // workerd's clock stands still during computation, so the suite's timeout is the guard here, not Date.now().
  it("outlines and writes lessons for 480 sections", async () => {
    const sections = Array.from({ length: 40 }, (_, chapter) =>
      document.sections.slice(0, 12).map((s) => ({
        ...s,
        title: `${s.title} (${chapter + 1})`,
        pageStart: chapter * 8 + s.pageStart,
        pageEnd: chapter * 8 + s.pageEnd,
      })),
    )
      .flat()
      .map((s, index) => ({ ...s, index }));
    const long = { ...document, pageCount: 320, pages: [], sections };
    const { outline } = await provider.outline({ document: long });
    const { lesson } = await provider.lesson({ document: long, outline, moduleIndex: 7, lessonIndex: 0 });
    expect(outline.modules).toHaveLength(8);
    expect(lesson.bodyMd).toContain("### Key points");
  });
});

describe("extractive input errors", () => {
  it("refuses a lesson the outline does not have", async () => {
    const outline: CourseOutline = course.outline;
    await expect(provider.lesson({ document, outline, moduleIndex: 9, lessonIndex: 0 })).rejects.toMatchObject({ reason: "bad-input" });
  });

  it("refuses a document with nothing but references", async () => {
    const refs = { ...document, sections: document.sections.filter((s) => s.index === 13) };
    await expect(provider.outline({ document: refs })).rejects.toMatchObject({ reason: "no-teachable-text" });
  });
});
