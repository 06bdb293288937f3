/**
 * The studio at `/` in a real headless Chromium against the real platform: a
 * teacher uploads tracemonkey.pdf and follows it to a course, reads a lesson,
 * edits, unpublishes and publishes it, exports it and opens a study room; a
 * student enrols from the catalogue, reads a lesson, takes a quiz and asks
 * the tutor in the study room. Everything is done through the page, as a
 * person would, and checked by what the page shows.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CORPUS_DIR, signIn } from "../studyhall-client.ts";
import { openBrowser, type WebBrowser } from "./browser.ts";
import { adminToken, newPerson, type Person } from "./people.ts";

const base = inject("baseUrl");

async function signInThroughPage(page: Page, person: Person) {
  await page.getByLabel("Email", { exact: true }).fill(person.email);
  await page.getByLabel("Password", { exact: true }).fill(person.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText(`${person.name} (`).waitFor();
}

describe("the studio in Chromium", () => {
  let browser: WebBrowser;
  let page: Page;
  let teacher: Person;
  let student: Person;
  // Unique, so the names on the page are this run's whatever else the instance holds.
  const courseTitle = `TraceMonkey, edited in the browser (${randomUUID().slice(0, 6)})`;

  beforeAll(async () => {
    const admin = await adminToken(base);
    teacher = await newPerson(base, admin, "teacher", "Tess Browser");
    student = await newPerson(base, admin, "student", "Stu Browser");
    browser = await openBrowser("studio");
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("is served with a strict Content-Security-Policy and nosniff", async () => {
    const response = await page.goto(`${base}/`);
    expect(response?.status()).toBe(200);
    const headers = response!.headers();
    expect(headers["content-security-policy"]).toContain("script-src 'self'");
    expect(headers["content-security-policy"]).toContain("object-src 'none'");
    expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    await page.getByRole("heading", { name: "Sign in to the studio" }).waitFor();
    await browser.screenshot("sign-in");
  });

  it("a teacher signs in with the keyboard alone, seeing where the focus is", async () => {
    expect(await page.getByLabel("Email", { exact: true }).evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.type(teacher.email);
    await page.keyboard.press("Tab");
    await page.keyboard.type(teacher.password);
    await page.keyboard.press("Tab");
    const focusRing = await page.getByRole("button", { name: "Sign in" }).evaluate((el) => {
      const style = getComputedStyle(el);
      return el === document.activeElement ? `${style.outlineStyle} ${parseFloat(style.outlineWidth)}` : "not focused";
    });
    expect(focusRing).toBe("solid 3");
    await browser.screenshot("sign-in-keyboard");
    await page.keyboard.press("Enter");
    await page.getByText(`${teacher.name} (teacher)`).waitFor();
  });

  it("the teacher uploads tracemonkey.pdf and watches both jobs reach 100 %", async () => {
    await page.getByRole("link", { name: "Upload", exact: true }).click();
    await page.getByRole("heading", { name: "Upload a PDF" }).waitFor();
    await page.getByLabel("PDF file").setInputFiles({
      name: "tracemonkey.pdf",
      mimeType: "application/pdf",
      buffer: await readFile(new URL("tracemonkey.pdf", CORPUS_DIR)),
    });
    await page.getByLabel("Title (optional)").fill("TraceMonkey in the browser");
    await page.getByRole("button", { name: "Upload and make a course" }).click();
    await page.getByText("Progress of “TraceMonkey in the browser”").waitFor();
    await browser.screenshot("upload-progress");

    await page.getByRole("link", { name: "Open the course" }).waitFor({ timeout: 150_000 });
    expect(await page.locator("#step-parse-pct").textContent()).toBe("100 %");
    expect(await page.locator("#step-course-pct").textContent()).toBe("100 %");
    expect(await page.getByText(/The course is ready: \d+ modules, \d+ lessons, \d+ quiz questions\./).count()).toBe(1);
    await browser.screenshot("upload-done");
  });

  it("the teacher opens the course and reads a lesson rendered from the paper", async () => {
    await page.getByRole("link", { name: "Open the course" }).click();
    await page.getByRole("heading", { level: 1, name: "TraceMonkey in the browser" }).waitFor();
    expect(await page.getByRole("heading", { level: 3, name: /^Module \d+: / }).count()).toBeGreaterThan(0);
    const firstLesson = page.getByRole("region", { name: "Contents", exact: true }).locator("ol a").first();
    const lessonTitle = (await firstLesson.textContent())!;
    await firstLesson.click();
    await page.getByRole("heading", { level: 1, name: lessonTitle }).waitFor();
    const article = page.getByRole("article", { name: "Lesson text" });
    expect((await article.innerText()).length).toBeGreaterThan(200);
    expect(await article.locator("p").count()).toBeGreaterThan(0);
    await browser.screenshot("lesson");
  });

  it("the teacher renames the course, unpublishes and publishes it again", async () => {
    await page.locator("main p.meta a").first().click();
    await page.getByLabel("Title", { exact: true }).fill(courseTitle);
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("heading", { level: 1, name: courseTitle }).waitFor();
    await page.getByRole("status").getByText("Saved.").waitFor();

    // A generated course is published as soon as it is written.
    await page.getByRole("button", { name: "Unpublish (back to draft)" }).click();
    await page.getByRole("status").getByText("The course is a draft again").waitFor();
    expect(await page.locator("main .badge").first().textContent()).toBe("Draft");
    await page.getByRole("button", { name: "Publish", exact: true }).click();
    await page.getByRole("status").getByText("The course is published").waitFor();
    expect(await page.locator("main .badge").first().textContent()).toBe("Published");
    await browser.screenshot("course-published");
  });

  it("the teacher exports the course as a PDF and downloads it", async () => {
    await page.getByLabel("Format", { exact: true }).selectOption("pdf");
    await page.getByRole("button", { name: "Export", exact: true }).click();
    const link = page.getByRole("link", { name: "Download the PDF export" });
    await link.waitFor({ timeout: 90_000 });
    await browser.screenshot("export-ready");
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    const file = await readFile((await download.path())!);
    expect(file.subarray(0, 5).toString("latin1")).toBe("%PDF-");
  });

  it("the teacher opens a study room for the course", async () => {
    await page.getByRole("button", { name: "Open a study room" }).click();
    await page.getByRole("heading", { level: 1, name: `Study room: ${courseTitle}` }).waitFor();
    await page.getByText(`Connected as ${teacher.name}.`).waitFor();
    await browser.screenshot("study-room-teacher");
  });

  it("a student enrols from the catalogue and reads a lesson, which counts in their progress", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to the studio" }).waitFor();
    await signInThroughPage(page, student);
    await page.getByRole("heading", { level: 1, name: "Catalogue" }).waitFor();
    await page.getByRole("button", { name: `Enrol in ${courseTitle}` }).click();
    await page.getByRole("status").getByText(`You are enrolled in ${courseTitle}.`).waitFor();
    await browser.screenshot("catalogue-enrolled");

    await page.getByRole("link", { name: courseTitle }).click();
    await page.getByRole("heading", { level: 1, name: courseTitle }).waitFor();
    await page.getByText(/0 % · 0 of \d+ lessons read/).waitFor();
    await page.getByRole("region", { name: "Contents", exact: true }).locator("ol a").first().click();
    await page.getByRole("article", { name: "Lesson text" }).waitFor();

    // The read is recorded off the response path: look again until it shows, as a student would.
    await expect
      .poll(
        async () => {
          await page.getByRole("link", { name: "My courses" }).click();
          await page.getByRole("heading", { level: 1, name: "My courses" }).waitFor();
          return page.locator("main li").filter({ hasText: courseTitle }).innerText();
        },
        { timeout: 15_000, interval: 1000 },
      )
      .toMatch(/1 of \d+ lessons read/);
    await browser.screenshot("my-courses");
  });

  it("the student takes a quiz and sees it graded right or wrong; the right answers appear once the teacher's policy shows them", async () => {
    await page.getByRole("link", { name: courseTitle }).click();
    await page
      .getByRole("link", { name: /^Quiz: / })
      .first()
      .click();
    const quizId = /#\/quizzes\/([\w-]+)$/.exec(page.url())?.[1];
    expect(quizId).toBeTruthy();

    /** Takes the quiz once, choosing each question's first choice as shown; the score's "n of count correct". */
    const takeQuiz = async () => {
      await page.getByRole("button", { name: "Start the quiz" }).click();
      const questions = page.locator("fieldset");
      await questions.first().waitFor();
      const count = await questions.count();
      expect(count).toBeGreaterThan(0);
      for (let i = 0; i < count; i++) await questions.nth(i).getByRole("radio").first().check();
      await page.getByText(/^Saved at /).waitFor();
      await page.getByRole("button", { name: "Submit answers" }).click();
      await page.getByRole("heading", { name: "Your result" }).waitFor();
      const score = await page.locator("#score").textContent();
      expect(score).toMatch(new RegExp(`^Score \\d+(\\.\\d)? %: \\d+ of ${count} correct, (passed|not passed)\\.$`));
      const marks = await page.locator("main ol > li .result").allTextContents();
      expect(marks).toHaveLength(count);
      const correct = Number(/: (\d+) of/.exec(score!)![1]);
      expect(marks.filter((m) => m === "Correct")).toHaveLength(correct);
      return { count, correct };
    };

    // A generated quiz allows unlimited attempts, so under the default policy it never shows its answers.
    await takeQuiz();
    await page.getByText("This quiz allows unlimited attempts, so its right answers are not shown.").waitFor();
    expect(await page.getByText(/^Right answer: /).count()).toBe(0);
    expect(await page.locator("main ol > li blockquote").count()).toBe(0);
    await browser.screenshot("quiz-result-answers-held");

    // The teacher shows answers after each attempt: the student's next attempt shows them, and no note.
    const teacherToken = await signIn(base, teacher);
    const patched = await fetch(`${base}/v1/quizzes/${quizId}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${teacherToken}`, "Content-Type": "application/json" },
      body: JSON.stringify({ revealAnswers: "after-each-attempt" }),
    });
    expect(patched.status).toBe(200);
    await page.getByRole("link", { name: "Back to the course" }).click();
    await page
      .getByRole("link", { name: /^Quiz: / })
      .first()
      .click();
    const { count, correct } = await takeQuiz();
    expect(await page.getByText(/^Right answer: /).count()).toBe(count - correct);
    expect(await page.locator("main ol > li blockquote").count()).toBeGreaterThan(0);
    expect(await page.locator("#answers-note").count()).toBe(0);
    await browser.screenshot("quiz-result");
  });

  it("the student chats in the study room and the tutor answers a question starting with @tutor", async () => {
    await page.getByRole("link", { name: "Sessions", exact: true }).click();
    await page.getByRole("link", { name: `Study room: ${courseTitle}` }).click();
    await page.getByText(`Connected as ${student.name}.`).waitFor();
    const log = page.getByRole("log", { name: "Messages" });

    await page.getByLabel("Message", { exact: true }).fill("Hello from the browser");
    await page.getByLabel("Message", { exact: true }).press("Enter");
    await log.getByText("Hello from the browser").waitFor();
    expect(await log.locator("li.chat").filter({ hasText: "Hello from the browser" }).locator(".who").textContent()).toBe(
      `${student.name}: `,
    );

    await page.getByLabel("Message", { exact: true }).fill("@tutor What is a trace tree?");
    await page.getByRole("button", { name: "Send" }).click();
    const answer = log.locator("li.tutor:not(.draft)");
    await answer.first().waitFor({ timeout: 90_000 });
    expect((await answer.first().locator(".text").textContent())!.length).toBeGreaterThan(20);
    await browser.screenshot("tutor-answered");
  });

  it("renews a lapsed access token with the refresh token, without asking to sign in again", async () => {
    // As if the tab had been left for longer than the token lives (a 401 on the way would show as a console error below).
    await page.evaluate(() => {
      const stored = JSON.parse(sessionStorage.getItem("studyhall.session") ?? "{}");
      sessionStorage.setItem("studyhall.session", JSON.stringify({ ...stored, accessToken: "lapsed", expiresAt: Date.now() - 1000 }));
    });
    await page.reload();
    await page.getByRole("link", { name: "My courses" }).click();
    await page.getByRole("heading", { level: 1, name: "My courses" }).waitFor();
    expect(await page.getByRole("link", { name: courseTitle }).count()).toBe(1);
    expect(await page.getByRole("heading", { name: "Sign in to the studio" }).isVisible()).toBe(false);
  });

  it("signing out leaves no tokens in the tab, even when a token refresh answers only afterwards", async () => {
    // The server renews the tokens at once, but the page hears of it only after the person has signed out.
    let renewed!: () => void;
    const atServer = new Promise<void>((resolve) => (renewed = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/v1/auth/refresh", async (route) => {
      const response = await route.fetch();
      renewed();
      await held;
      await route.fulfill({ response });
    });
    await page.evaluate(() => {
      const stored = JSON.parse(sessionStorage.getItem("studyhall.session") ?? "{}");
      sessionStorage.setItem("studyhall.session", JSON.stringify({ ...stored, expiresAt: Date.now() - 1000 }));
    });
    await page.reload();
    await atServer;
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to the studio" }).waitFor();
    const answered = page.waitForResponse("**/v1/auth/refresh");
    release();
    await answered;
    // Time for the page to act on the answer, as it would if it were going to keep it.
    await page.waitForTimeout(300);
    await page.unroute("**/v1/auth/refresh");
    expect(await page.evaluate(() => sessionStorage.getItem("studyhall.session"))).toBeNull();
    expect(await page.getByRole("heading", { name: "Sign in to the studio" }).isVisible()).toBe(true);
    await browser.screenshot("signed-out-during-refresh");
  });

  it("showed no console error, uncaught exception or failed request on the way", () => {
    expect(browser.problems).toEqual([]);
  });
});
