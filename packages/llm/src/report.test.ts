/** Tutoring-session reports from both providers: sections backed by exact quotes, gaps that really stayed open. */
import { misquotes, type SessionReportContent, sessionReportContentSchema } from "@studyhall/core";
import { describe, expect, it } from "vitest";
import { llmConfigSchema } from "./config.ts";
import { createExtractiveProvider } from "./extractive.ts";
import { BASE_URL, completion, fakeOpenAi } from "./fixtures/fake-openai-server.ts";
import { photosynthesisLessons as lessons, tutoringTranscript as transcript } from "./fixtures/tutoring-session.ts";
import { createOpenAiProvider } from "./openai-provider.ts";

const texts = new Map(transcript.map((l) => [l.seq, l.text]));
const quotedSeqs = (points: { quotes: { seq: number }[] }[]) => points.flatMap((p) => p.quotes.map((q) => q.seq));

describe("extractive report", () => {
  it("fills every section, and every quote is an exact substring of the message it names", async () => {
    const { report, usage } = await createExtractiveProvider().report({ transcript, lessons });
    expect(usage.totalTokens).toBe(0);
    for (const section of ["topics", "understood", "gaps", "recommendedLessons"] as const)
      expect(report[section].length, section).toBeGreaterThan(0);
    expect(misquotes(report, texts)).toEqual([]);
  });

  it("names the session's subjects as topics", async () => {
    const { report } = await createExtractiveProvider().report({ transcript, lessons });
    const topics = report.topics.map((t) => t.point);
    expect(topics).toEqual(expect.arrayContaining(["photosynthesis", "calvin cycle"]));
  });

  it("counts an explanation the teacher confirmed as understood, quoting both", async () => {
    const { report } = await createExtractiveProvider().report({ transcript, lessons });
    const confirmed = report.understood.find((p) => p.quotes.some((q) => q.seq === 12));
    expect(confirmed?.quotes).toEqual([
      { seq: 12, text: "So the oxygen we breathe comes from splitting water in the light reactions." },
      { seq: 13, text: "Correct, well done." },
    ]);
  });

  it("keeps open questions as gaps and drops the ones the student came to understand", async () => {
    const { report } = await createExtractiveProvider().report({ transcript, lessons });
    const gapSeqs = quotedSeqs(report.gaps);
    expect(report.gaps.flatMap((g) => g.quotes)).toContainEqual({ seq: 16, text: "I don't understand how ATP is made in the thylakoid." });
    expect(report.gaps.flatMap((g) => g.quotes)).toContainEqual({ seq: 32, text: "What does denature mean?" });
    // "What is chlorophyll exactly?" was followed by "Oh, I see"; the dark-reactions question by "That makes sense".
    expect(gapSeqs).not.toContain(6);
    expect(gapSeqs).not.toContain(20);
    // Only the student's words are gaps.
    expect(gapSeqs.every((seq) => transcript[seq - 1]?.speaker === "student")).toBe(true);
  });

  it("recommends the lessons that answer the gaps", async () => {
    const { report } = await createExtractiveProvider().report({ transcript, lessons });
    const titles = report.recommendedLessons.map((l) => l.title);
    expect(titles).toEqual(expect.arrayContaining(["The light reactions", "Enzymes and temperature"]));
    expect(report.recommendedLessons.every((l) => lessons.some((x) => x.id === l.lessonId && x.title === l.title))).toBe(true);
  });

  it("is deterministic", async () => {
    const provider = createExtractiveProvider();
    expect((await provider.report({ transcript, lessons })).report).toEqual((await provider.report({ transcript, lessons })).report);
  });
});

describe("openai report", () => {
  const REPORT = {
    topics: [{ point: "The Calvin cycle", quotes: [{ seq: 19, text: "The Calvin cycle takes place in the stroma." }] }],
    understood: [
      {
        point: "Where oxygen comes from",
        quotes: [{ seq: 12, text: "So the oxygen we breathe comes from splitting water in the light reactions." }],
      },
    ],
    gaps: [{ point: "How ATP synthase works", quotes: [{ seq: 16, text: "I don't understand how ATP is made in the thylakoid." }] }],
    recommendedLessons: [{ lessonId: "lesson-2", reason: "Explains ATP synthase.", quotes: [{ seq: 16, text: "how ATP is made" }] }],
  };

  function setup(replies: ReturnType<typeof completion>[]) {
    const server = fakeOpenAi(replies);
    const provider = createOpenAiProvider(llmConfigSchema.parse({ LLM_BASE_URL: BASE_URL, LLM_API_KEYS: "key-a" }), {
      fetch: server.fetch,
      sleep: async () => {},
    });
    return { provider, server };
  }

  it("sends the transcript and lessons as delimited data and returns the validated report with the lessons' titles", async () => {
    const { provider, server } = setup([completion(REPORT, { prompt_tokens: 2000, completion_tokens: 300 })]);
    const { report, usage } = await provider.report({ transcript, lessons, courseTitle: "Photosynthesis" });
    const expected: SessionReportContent = {
      ...REPORT,
      recommendedLessons: [{ ...REPORT.recommendedLessons[0]!, title: "The light reactions" }],
    };
    expect(sessionReportContentSchema.parse(report)).toEqual(expected);
    expect(usage.totalTokens).toBe(2300);
    const sent = server.requests[0]?.body.messages.find((m) => m.role === "user")?.content ?? "";
    expect(sent).toContain("[message 16 | student | Sam]\nI don't understand how ATP is made in the thylakoid.");
    expect(sent).toContain("[lesson lesson-2 | The light reactions]");
    expect(sent.indexOf("<document>")).toBeLessThan(sent.indexOf("[message 1 |"));
  });

  it("sends a misquote back for repair and accepts the corrected report", async () => {
    const misquoted = { ...REPORT, gaps: [{ point: "ATP", quotes: [{ seq: 16, text: "I do not understand how ATP is made." }] }] };
    const { provider, server } = setup([completion(misquoted), completion(REPORT)]);
    const { report } = await provider.report({ transcript, lessons });
    expect(report.gaps).toEqual(REPORT.gaps);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.body.messages.at(-1)?.content).toContain("not an exact substring of message 16");
  });

  it("refuses a lesson the course does not have", async () => {
    const invented = { ...REPORT, recommendedLessons: [{ lessonId: "lesson-99", reason: "Made up.", quotes: [{ seq: 16, text: "ATP" }] }] };
    const { provider } = setup([completion(invented), completion(invented)]);
    await expect(provider.report({ transcript, lessons })).rejects.toMatchObject({ reason: "invalid-output" });
  });
});
