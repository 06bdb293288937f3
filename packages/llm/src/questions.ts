/**
 * Single-choice questions built from the document's own definitions. Two
 * kinds of stem: "Which term names …?" (or a cloze sentence with the term
 * blanked out) with other terms as choices, and "What does X mean?" with
 * other definitions as choices. Every question carries the passage that
 * proves its answer and an explanation quoting it.
 */
import type { GeneratedQuestion, ParsedDocument } from "@studyhall/core";
import { bareTerm, glossChoice, glossDistractors, termDistractors } from "./distractors.ts";
import { cleanTitle, pageLabel, pageOf } from "./document-sections.ts";
import type { TermEntry } from "./key-terms.ts";
import { normalizeForCompare, stableHash } from "./words.ts";

export interface QuestionPlan {
  /** Choices per question, answer included (2 to 6). */
  choices: number;
  /** `mixed` alternates "Which term …" and "What does X mean?"; `terms` asks only the first kind. */
  style: "mixed" | "terms";
}

const BLANK = "_____";
const CONTEXTUAL = /\b(?:this|these|those|such)\b/i;

function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The source sentence with every mention of the term (and its acronym) blanked out. */
function cloze(t: TermEntry): string | undefined {
  const acronym = /\(([^)]+)\)/.exec(t.term)?.[1];
  let text = t.sentence.text.replace(new RegExp(escapeRegExp(t.term), "gi"), BLANK);
  text = text.replace(new RegExp(`\\b${escapeRegExp(bareTerm(t.term))}\\b`, "gi"), BLANK);
  if (acronym) text = text.replace(new RegExp(`\\b${escapeRegExp(acronym)}\\b`, "g"), BLANK);
  return text.includes(BLANK) ? `Which term completes this sentence from the text? “${text}”` : undefined;
}

/** "Which term names a component that …?", or a cloze when the pattern gave no usable description. */
function whichTermPrompt(t: TermEntry): string | undefined {
  const gloss = t.gloss && !CONTEXTUAL.test(t.gloss) ? lowerFirst(t.gloss) : undefined;
  if (gloss && (t.kind === "is-a" || t.kind === "appositive")) return `Which term names ${gloss}?`;
  if (gloss && t.kind === "refers-to") return `Which term refers to ${gloss}?`;
  if (gloss && t.kind === "called") return `Which term is used for ${gloss}?`;
  if (t.kind === "called-previous") {
    const noun = /^(?:this|these|that|those|such)\s+(\w+)/i.exec(t.sentence.text)?.[1]?.toLowerCase() ?? "idea";
    return CONTEXTUAL.test(t.definition) ? undefined : `Which term does the text use for the ${noun} described here? “${t.definition}”`;
  }
  return cloze(t);
}

function explanation(document: ParsedDocument, t: TermEntry): string {
  const section = document.sections.find((s) => s.index === t.sentence.sectionIndex);
  const where = section ? ` (${cleanTitle(section.title)}, ${pageLabel(pageOf(document, t.sentence), pageOf(document, t.sentence))})` : "";
  return `The text says: “${t.passage}”${where}`;
}

/** Puts the answer among the distractors at a position fixed by the prompt, so it is stable but not always first. */
function assemble(prompt: string, answer: string, distractors: string[], document: ParsedDocument, t: TermEntry): GeneratedQuestion {
  const position = stableHash(prompt) % (distractors.length + 1);
  const choices = [...distractors];
  choices.splice(position, 0, answer);
  return { kind: "single-choice", prompt, choices, answer: position, explanation: explanation(document, t), sourcePassage: t.passage };
}

/** "Which term …?" with other terms of the document as the wrong choices. */
export function whichTermQuestion(document: ParsedDocument, t: TermEntry, pool: readonly TermEntry[], plan: QuestionPlan) {
  const prompt = whichTermPrompt(t);
  // A stem that already prints the answer teaches nothing.
  if (!prompt || normalizeForCompare(prompt).includes(bareTerm(t.term))) return undefined;
  const distractors = termDistractors(t, pool, plan.choices - 1, prompt);
  return distractors.length === plan.choices - 1 ? assemble(prompt, t.term, distractors, document, t) : undefined;
}

/** "What does X mean?" with other terms' definitions as the wrong choices. */
export function whatDoesQuestion(document: ParsedDocument, t: TermEntry, pool: readonly TermEntry[], plan: QuestionPlan) {
  if (!t.gloss || CONTEXTUAL.test(t.gloss) || !["is-a", "refers-to", "appositive", "called"].includes(t.kind)) return undefined;
  const prompt = t.kind === "refers-to" ? `What does “${t.term}” refer to?` : `What does “${t.term}” mean?`;
  const distractors = glossDistractors(t, pool, plan.choices - 1);
  return distractors.length === plan.choices - 1 ? assemble(prompt, glossChoice(t.gloss), distractors, document, t) : undefined;
}

/**
 * Up to `count` questions about the candidate terms (best first), returned in
 * document order; `pool` supplies the wrong answers.
 *
 * @example
 * buildQuestions(document, termsIn(document, [2, 3], 10), documentTerms(document), 5, { choices: 4, style: "mixed" })
 */
export function buildQuestions(
  document: ParsedDocument,
  candidates: readonly TermEntry[],
  pool: readonly TermEntry[],
  count: number,
  plan: QuestionPlan,
): GeneratedQuestion[] {
  const built: Array<{ question: GeneratedQuestion; at: number }> = [];
  const prompts = new Set<string>();
  for (const t of candidates) {
    if (built.length >= count) break;
    const askMeaning = plan.style === "mixed" && built.length % 2 === 1;
    const question = askMeaning
      ? (whatDoesQuestion(document, t, pool, plan) ?? whichTermQuestion(document, t, pool, plan))
      : (whichTermQuestion(document, t, pool, plan) ?? (plan.style === "mixed" ? whatDoesQuestion(document, t, pool, plan) : undefined));
    if (question && !prompts.has(question.prompt)) {
      prompts.add(question.prompt);
      built.push({ question, at: pool.indexOf(t) });
    }
  }
  return built.sort((a, b) => a.at - b.at).map((b) => b.question);
}
