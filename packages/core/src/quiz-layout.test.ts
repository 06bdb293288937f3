/** An attempt's layout: unbiased shuffles, translations that round-trip, and stored layouts that cannot point at a missing choice. */
import { describe, expect, it } from "vitest";
import { answersAsSaved, answersAsShown, randomPermutation, shownChoices, showQuiz, shuffleLayout, toShownIndex } from "./quiz-layout.ts";

const quiz = [
  { id: "q1", choices: ["a", "b", "c", "d"] },
  { id: "q2", choices: ["yes", "no"] },
  { id: "q3", choices: ["x", "y", "z"] },
];

describe("randomPermutation", () => {
  it("deals each of the six orders of three about equally often (a biased shuffle, like sorting by random keys, does not)", () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const key = randomPermutation(3).join();
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(["0,1,2", "0,2,1", "1,0,2", "1,2,0", "2,0,1", "2,1,0"]);
    // 1000 expected, standard deviation about 29: five of them either side.
    for (const n of seen.values()) expect(Math.abs(n - 1000)).toBeLessThan(150);
  });
});

describe("a layout", () => {
  it("translates an answer chosen as shown into the quiz's index and back", () => {
    const shown = showQuiz(shuffleLayout(quiz), quiz);
    expect(shown.map((s) => s.question.id).sort()).toEqual(["q1", "q2", "q3"]);
    for (const s of shown) {
      for (let at = 0; at < s.choiceOrder.length; at++) {
        const saved = answersAsSaved(shown, { [s.question.id]: at });
        // What is saved names the same text the student saw at that position.
        expect(s.question.choices[saved[s.question.id]!]).toBe(shownChoices(s)[at]);
        expect(answersAsShown(shown, saved)).toEqual({ [s.question.id]: at });
      }
    }
    expect(answersAsSaved(shown, { q1: null })).toEqual({ q1: null });
    expect(toShownIndex(shown[0]!, "free text")).toBe("free text");
  });

  it("falls back to the stored order when missing, malformed or out of date, so every index names a real choice", () => {
    const stored = (layout: unknown) => showQuiz(layout, quiz).map((s) => [s.question.id, s.choiceOrder.join()]);
    const identity = [
      ["q1", "0,1,2,3"],
      ["q2", "0,1"],
      ["q3", "0,1,2"],
    ];
    expect(stored(null)).toEqual(identity);
    expect(stored({ order: "q1" })).toEqual(identity);
    // A choice order that is not a permutation of the question's choices, a question it does not know, one it misses.
    expect(stored({ order: ["q3", "gone", "q1"], choices: { q1: [0, 0, 1, 2], q3: [2, 1, 0], gone: [0] } })).toEqual([
      ["q3", "2,1,0"],
      ["q1", "0,1,2,3"],
      ["q2", "0,1"],
    ]);
  });
});
