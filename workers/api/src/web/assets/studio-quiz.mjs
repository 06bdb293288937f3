/**
 * Taking a quiz: its settings and your attempts so far (GET /v1/quizzes/{id}),
 * starting or resuming an attempt (POST /v1/quizzes/{id}/attempts), saving
 * each answer as it is chosen (PUT /v1/attempts/{id}/answers), and submitting
 * it to be graded on the server (POST /v1/attempts/{id}/submit), after which
 * each question shows right or wrong, and the right answers, explanations and
 * source passages when the API returns them (the quiz's answer policy), or a
 * line saying when they will be shown. Questions and choices come in the
 * attempt's own order, and answers are sent by index as shown.
 */
import { ApiError, api } from "./api.mjs";
import { announce, busy, errorText, formatClock, formatPercent, h, plural } from "./dom.mjs";

/** @typedef {import("./api-shapes.d.ts").Quiz} Quiz */
/** @typedef {import("./api-shapes.d.ts").Attempt} Attempt */
/** @typedef {import("./api-shapes.d.ts").GradedAttempt} GradedAttempt */

/**
 * @param {Quiz} quiz
 * @returns {[HTMLParagraphElement, HTMLParagraphElement]} the limits, then the best score (replaced after each attempt)
 */
function summary(quiz) {
  const { mine } = quiz;
  const limits = [
    plural(quiz.questionCount, "question"),
    `pass mark ${formatPercent(quiz.passScore)}`,
    quiz.timeLimitSeconds ? `${Math.round(quiz.timeLimitSeconds / 60)} minutes per attempt` : "no time limit",
    mine.attemptsLeft === null ? "unlimited attempts" : `${plural(mine.attemptsLeft, "attempt")} left`,
  ];
  const best =
    mine.bestScore === null
      ? "No graded attempt yet."
      : `Your best score: ${formatPercent(mine.bestScore)}${mine.passed ? " (passed)" : ""}.`;
  return [h("p", {}, limits.join(" · ")), h("p", { id: "best-score" }, best)];
}

/**
 * @param {{ choices: string[] }} question
 * @param {unknown} index the API sends the index given (or the right one) as JSON
 */
function choiceText(question, index) {
  return typeof index === "number" && question.choices[index] !== undefined ? question.choices[index] : "no answer";
}

/**
 * Why the right answers are not on the page, and when they will be; null when they are shown.
 * @param {GradedAttempt} attempt
 * @param {Quiz | null} quiz
 */
function answersNote(attempt, quiz) {
  if (attempt.answersShown) return null;
  const policy = quiz?.revealAnswers;
  let text = "The right answers are not shown for this quiz.";
  if (policy === "after-last-attempt") {
    const left = quiz?.mine?.attemptsLeft;
    text =
      left === null || left === undefined
        ? "This quiz allows unlimited attempts, so its right answers are not shown."
        : `The right answers will be shown once you have used your last attempt (${plural(left, "attempt")} left).`;
  }
  return h("p", { id: "answers-note", class: "meta" }, text);
}

/**
 * The graded attempt: the score, then each question right or wrong, with the answer and why when the API gives them.
 * @param {GradedAttempt} attempt
 * @param {Quiz | null} quiz
 */
function results(attempt, quiz) {
  const byId = new Map((attempt.results ?? []).map((r) => [r.questionId, r]));
  return h(
    "section",
    { "aria-labelledby": "result-title" },
    h("h2", { id: "result-title", tabindex: "-1" }, "Your result"),
    h(
      "p",
      { id: "score", class: attempt.passed ? "result correct" : "result wrong" },
      `Score ${formatPercent(attempt.score ?? 0)}: ${attempt.correctCount} of ${attempt.questionCount} correct, ${attempt.passed ? "passed" : "not passed"}.`,
    ),
    answersNote(attempt, quiz),
    h(
      "ol",
      {},
      attempt.questions.map((q) => {
        const r = byId.get(q.id);
        return h(
          "li",
          { class: "card" },
          h("p", {}, h("strong", {}, q.prompt)),
          h("p", { class: r?.correct ? "result correct" : "result wrong" }, r?.correct ? "Correct" : "Incorrect"),
          h("p", {}, `Your answer: ${choiceText(q, r?.given)}`),
          r?.correct || r?.answer === undefined ? null : h("p", {}, `Right answer: ${choiceText(q, r.answer)}`),
          r?.explanation ? h("p", {}, r.explanation) : null,
          r?.sourcePassage ? h("blockquote", {}, r.sourcePassage) : null,
        );
      }),
    ),
  );
}

/**
 * The open attempt as a form: one fieldset of radio buttons per question; each choice is saved at once.
 * @param {Attempt} attempt
 * @param {HTMLElement} area
 * @param {AbortSignal} signal
 */
function attemptForm(attempt, area, signal) {
  const saved = h("p", { class: "meta", id: "saved-state" }, "Answers are saved as you choose them.");
  let saving = Promise.resolve();
  /**
   * @param {string} questionId
   * @param {number} choice
   */
  const save = (questionId, choice) => {
    // One save at a time, in order, so a quick change of mind cannot arrive before the first choice.
    saving = saving.then(async () => {
      try {
        await api(`/v1/attempts/${attempt.id}/answers`, { method: "PUT", json: { answers: { [questionId]: choice } }, signal });
        saved.textContent = `Saved at ${formatClock(Date.now())}.`;
      } catch (error) {
        saved.textContent = "";
        announce(`Your answer was not saved: ${errorText(error)}`, { error: true });
      }
    });
  };
  const fieldsets = attempt.questions.map((q, i) =>
    h(
      "fieldset",
      {},
      h("legend", {}, `Question ${i + 1} of ${attempt.questions.length}: ${q.prompt}`),
      q.choices.map((choice, c) =>
        h(
          "label",
          {},
          h("input", {
            type: "radio",
            name: `q-${q.id}`,
            value: String(c),
            checked: attempt.answers[q.id] === c,
            onchange: () => save(q.id, c),
          }),
          " ",
          choice,
        ),
      ),
    ),
  );
  const submit = h("button", { type: "submit" }, "Submit answers");
  const deadline = attempt.deadlineAt ? h("p", { class: "meta" }, `Submit before ${formatClock(attempt.deadlineAt)}.`) : null;
  const form = h("form", { "aria-label": "Your answers" }, deadline, fieldsets, saved, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      try {
        await saving;
        /** @type {GradedAttempt} */
        const graded = await api(`/v1/attempts/${attempt.id}/submit`, { method: "POST", signal });
        // The quiz as it is now: attempts left after this one decide what the answers note says.
        /** @type {Quiz | null} */
        const now = await api(`/v1/quizzes/${attempt.quizId}`, { signal }).catch(() => null);
        area.replaceChildren(results(graded, now));
        if (now) document.getElementById("best-score")?.replaceWith(summary(now)[1]);
        announce(`Submitted. Score ${formatPercent(graded.score ?? 0)}.`);
        area.querySelector("h2")?.focus();
      } catch (error) {
        announce(errorText(error), { error: true });
      }
    });
  });
  return form;
}

/**
 * @param {import("./studio.mjs").Screen} screen
 * @param {string} quizId
 */
export async function renderQuiz({ signal }, quizId) {
  /** @type {Quiz} */
  const quiz = await api(`/v1/quizzes/${encodeURIComponent(quizId)}`, { signal });
  const area = h("div", {});
  const start = h("button", { type: "button" }, quiz.mine.openAttemptId ? "Continue your attempt" : "Start the quiz");
  start.addEventListener("click", () =>
    busy(start, async () => {
      try {
        /** @type {Attempt} */
        const attempt = await api(`/v1/quizzes/${quiz.id}/attempts`, { method: "POST", signal });
        if (attempt.status !== "open") throw new Error("This attempt has already ended.");
        area.replaceChildren(attemptForm(attempt, area, signal));
        area.querySelector("legend")?.scrollIntoView({ block: "nearest" });
        area.querySelector("input")?.focus();
      } catch (error) {
        announce(error instanceof Error && !(error instanceof ApiError) ? error.message : errorText(error), { error: true });
      }
    }),
  );
  area.append(quiz.questionCount ? start : h("p", {}, "This quiz has no questions yet."));
  return h(
    "div",
    {},
    h("p", { class: "meta" }, h("a", { href: `#/courses/${quiz.courseId}` }, "Back to the course")),
    h("h1", {}, quiz.title),
    summary(quiz),
    area,
  );
}
