/**
 * The order one attempt shows its quiz in. When an attempt starts, its
 * questions and each question's choices are shuffled once and the result is
 * stored with it, so two attempts (or two classmates) rarely see the same
 * sheet and an index learnt in one attempt means nothing in the next.
 *
 * Saved answers stay in the quiz's own index space, which grading, analytics
 * and completion read; only what crosses the wire is in the attempt's shown
 * space, translated here in both directions.
 */
import { z } from "zod";

/** `order`: question ids as shown; `choices[questionId][shownPosition]`: the quiz's index of that choice. */
export const quizLayoutSchema = z.object({
  order: z.array(z.string()),
  choices: z.record(z.string(), z.array(z.number().int().min(0))),
});
export type QuizLayout = z.infer<typeof quizLayoutSchema>;

/** What the layout needs of a question. */
export interface LaidOutQuestion {
  id: string;
  choices: readonly unknown[] | null;
}

/** A question as one attempt shows it. */
export interface ShownQuestion<Q extends LaidOutQuestion> {
  question: Q;
  /** For each shown position, the index of that choice in the quiz. */
  choiceOrder: number[];
}

const choiceCount = (q: LaidOutQuestion) => (Array.isArray(q.choices) ? q.choices.length : 0);

/** A uniform integer in [0, bound): rejection sampling, so no value is favoured by 2^32 not dividing evenly. */
function randomBelow(bound: number): number {
  const limit = Math.floor(0x1_0000_0000 / bound) * bound;
  const word = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(word);
    if (word[0]! < limit) return word[0]! % bound;
  }
}

/**
 * A uniformly random permutation of 0..n-1 (Fisher–Yates over `crypto.getRandomValues`).
 * @example randomPermutation(3) // e.g. [2, 0, 1]
 */
export function randomPermutation(n: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randomBelow(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * A fresh layout for a new attempt: the questions in a random order and each one's choices too.
 * @example shuffleLayout([{ id: "q1", choices: ["a", "b"] }]) // { order: ["q1"], choices: { q1: [1, 0] } }
 */
export function shuffleLayout(questions: readonly LaidOutQuestion[]): QuizLayout {
  return {
    order: randomPermutation(questions.length).map((i) => questions[i]!.id),
    choices: Object.fromEntries(questions.map((q) => [q.id, randomPermutation(choiceCount(q))])),
  };
}

const isPermutation = (order: readonly number[], n: number) => order.length === n && new Set(order).size === n && order.every((i) => i < n);

/**
 * The quiz's questions as an attempt shows them. A layout is read back from D1, so it is checked: a
 * missing or malformed one (attempts from before shuffling) keeps the stored order, and a question the
 * layout does not cover, or whose choices it does not permute exactly, is shown as stored, so an index
 * always translates to a real choice.
 */
export function showQuiz<Q extends LaidOutQuestion>(layout: unknown, questions: readonly Q[]): ShownQuestion<Q>[] {
  const parsed = quizLayoutSchema.safeParse(layout);
  const byId = new Map(questions.map((q) => [q.id, q]));
  const ordered = parsed.success ? [...new Set(parsed.data.order)].flatMap((id) => byId.get(id) ?? []) : [];
  const placed = new Set(ordered.map((q) => q.id));
  return [...ordered, ...questions.filter((q) => !placed.has(q.id))].map((question) => {
    const n = choiceCount(question);
    const stored = parsed.success ? parsed.data.choices[question.id] : undefined;
    return { question, choiceOrder: stored && isPermutation(stored, n) ? stored : Array.from({ length: n }, (_, i) => i) };
  });
}

/** The choices' texts in the order shown. */
export const shownChoices = (shown: ShownQuestion<LaidOutQuestion>): string[] =>
  shown.choiceOrder.map((i) => String(shown.question.choices?.[i]));

/** A value in the quiz's index space (a saved answer, the right answer: an index or indexes) as shown; anything else as it is. */
export function toShownIndex(shown: ShownQuestion<LaidOutQuestion>, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => toShownIndex(shown, v));
  if (typeof value !== "number") return value;
  const at = shown.choiceOrder.indexOf(value);
  return at === -1 ? value : at;
}

/** Saved answers (`{ [questionId]: quiz index }`) as the attempt shows them. */
export function answersAsShown(shown: readonly ShownQuestion<LaidOutQuestion>[], saved: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    shown.filter((s) => Object.hasOwn(saved, s.question.id)).map((s) => [s.question.id, toShownIndex(s, saved[s.question.id])]),
  );
}

/**
 * Answers sent by index as shown, in the quiz's index space for saving; null (clear) stays null.
 * The caller has checked every id is a question of the quiz and every index is in range.
 */
export function answersAsSaved(
  shown: readonly ShownQuestion<LaidOutQuestion>[],
  sent: Record<string, number | null>,
): Record<string, number | null> {
  const byId = new Map(shown.map((s) => [s.question.id, s]));
  return Object.fromEntries(
    Object.entries(sent).map(([id, index]) => [id, index === null ? null : (byId.get(id)?.choiceOrder[index] ?? index)]),
  );
}
