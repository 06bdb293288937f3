/**
 * A long synthetic course, deterministic, for the 300-page export test and
 * the export benchmark: lesson text in the shape the generators write (a
 * summary, key points, key terms in bold), with accented, Greek and
 * typographic characters so the embedded font's Unicode coverage is used.
 * No imports, so Node can load it directly for the benchmark.
 */

export interface SyntheticLesson {
  title: string;
  bodyMd: string;
  keyTerms: { term: string; definition: string }[];
}

export interface SyntheticModule {
  title: string;
  summary: string;
  lessons: SyntheticLesson[];
  quiz: { title: string; questions: { prompt: string; choices: string[]; answer: number; explanation: string; sourcePassage: string }[] };
}

const WORDS = (
  "trace compiler interpreter loop hot path type guard side exit bytecode register allocation naïve λ-calculus " +
  "Größe façade déjà vu résumé coöperation Ωmega “quoted” speculation recording tree nested inner outer " +
  "monomorphic polymorphic dispatch inline cache stack frame heap object shape property lookup branch taken " +
  "fallback deoptimise guard-failure recompile profile counter threshold blacklist Δ-encoding straight-line"
).split(" ");

/** A small deterministic generator, so every run writes the same course. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function sentence(next: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(next() * WORDS.length)]!);
  const text = out.join(" ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/**
 * A course of `modules` × `lessonsPerModule` lessons of about `charsPerLesson` characters each.
 * The defaults (120 lessons of about 5,200 characters) make some 300 A4 pages.
 */
export function syntheticCourse(
  modules = 12,
  lessonsPerModule = 10,
  charsPerLesson = 5_200,
): { title: string; description: string; modules: SyntheticModule[] } {
  const next = random(42);
  const result: SyntheticModule[] = [];
  for (let m = 0; m < modules; m++) {
    const lessons: SyntheticLesson[] = [];
    for (let l = 0; l < lessonsPerModule; l++) {
      const keyTerms = [0, 1, 2].map((k) => ({ term: `Term ${m + 1}.${l + 1}.${k + 1}`, definition: sentence(next, 10) }));
      const parts: string[] = [];
      let size = 0;
      while (size < charsPerLesson) {
        const paragraph = Array.from({ length: 5 }, () => sentence(next, 12 + Math.floor(next() * 10))).join(" ");
        const points = Array.from({ length: 3 }, () => `- ${sentence(next, 14)} See **${keyTerms[Math.floor(next() * 3)]!.term}**.`).join(
          "\n",
        );
        parts.push(paragraph, "### Key points", points);
        size += paragraph.length + points.length;
      }
      parts.push("### Key terms", keyTerms.map((k) => `- **${k.term}**: ${k.definition}`).join("\n"));
      lessons.push({ title: `Lesson ${m + 1}.${l + 1}: ${sentence(next, 4).slice(0, -1)}`, bodyMd: parts.join("\n\n"), keyTerms });
    }
    const questions = Array.from({ length: 8 }, (_, q) => ({
      prompt: `Question ${q + 1} of module ${m + 1}: which term names ${sentence(next, 8).toLowerCase().slice(0, -1)}?`,
      choices: [0, 1, 2, 3].map(() => sentence(next, 3).slice(0, -1)),
      answer: Math.floor(next() * 4),
      explanation: `The text says: “${sentence(next, 16)}”`,
      sourcePassage: sentence(next, 16),
    }));
    result.push({
      title: `Module ${m + 1}: ${sentence(next, 3).slice(0, -1)}`,
      summary: sentence(next, 20),
      lessons,
      quiz: { title: `Module ${m + 1} check`, questions },
    });
  }
  return { title: "A very long course on trace compilation — Δ edition", description: sentence(next, 30), modules: result };
}
