/**
 * What an export is built from: the course's outline up front (titles only,
 * so a table of contents can be planned), then its modules one at a time
 * with their lessons and quiz, so a long course is never held whole in
 * memory. Plain data and no imports (the builders import it by its own path,
 * `@studyhall/core/course-export-model`), so the bench can feed them from Node.
 */

export interface ExportKeyTerm {
  term: string;
  definition: string;
}

export interface ExportLesson {
  title: string;
  bodyMd: string;
  keyTerms: ExportKeyTerm[];
}

export interface ExportQuestion {
  kind: string;
  prompt: string;
  choices: string[];
  /** A choice index, several, a boolean or a text, as the question kind stores it. */
  answer: unknown;
  explanation: string;
  sourcePassage: string | null;
}

export interface ExportQuiz {
  title: string;
  questions: ExportQuestion[];
}

export interface ExportModule {
  title: string;
  summary: string;
  lessons: ExportLesson[];
  /** Generated courses have one quiz per module; quizzes of the whole course come last, in a module of their own. */
  quizzes: ExportQuiz[];
}

export interface ExportOutline {
  id: string;
  title: string;
  description: string;
  audience: string | null;
  modules: { title: string; lessons: string[]; quizzes: string[] }[];
}

export interface CourseSource {
  outline: ExportOutline;
  /** The modules in order, each loaded when it is reached. */
  modules(): AsyncIterable<ExportModule>;
}

/** The answer as a reader writes it: "B", "A, C", "True", or the expected text. */
export function answerLabel(answer: unknown, choices: readonly string[]): string {
  const letter = (i: number) => (Number.isInteger(i) && i >= 0 && i < 26 ? String.fromCharCode(65 + i) : String(i));
  if (typeof answer === "number") return choices[answer] !== undefined ? `${letter(answer)}) ${choices[answer]}` : letter(answer);
  if (Array.isArray(answer)) return answer.map((a) => (typeof a === "number" ? letter(a) : String(a))).join(", ");
  if (typeof answer === "boolean") return answer ? "True" : "False";
  if (typeof answer === "string") return answer;
  return JSON.stringify(answer ?? null);
}

/** "A", "B", …: the label of a choice. */
export const choiceLetter = (index: number) => String.fromCharCode(65 + (index % 26));
