/**
 * What the fake OpenAI server writes for a session report (the openai
 * provider's report prompt, packages/llm/src/report-prompt.ts): a topic per
 * student message, each quoting the message's first words exactly, and the
 * course's first lesson to take next, so every quote and lesson id the
 * provider checks is real.
 */

/** One `[message N | speaker | name]` block of the transcript, as the prompt shows it. */
interface PromptMessage {
  seq: number;
  speaker: string;
  text: string;
}

const MESSAGE_HEADER = /^\[message (\d+) \| (\w+) \| .*\]$/;
const LESSON_HEADER = /^\[lesson (\S+) \| .*\]$/;

/** The transcript's messages and the course's lesson ids, read back from the prompt's document block. */
export function readTranscriptBlock(block: string): { messages: PromptMessage[]; lessonIds: string[] } {
  const messages: PromptMessage[] = [];
  const lessonIds: string[] = [];
  let inLessons = false;
  for (const line of block.split("\n")) {
    if (line === "Lessons of the course:") inLessons = true;
    const message = inLessons ? null : MESSAGE_HEADER.exec(line);
    const lesson = inLessons ? LESSON_HEADER.exec(line) : null;
    if (message) messages.push({ seq: Number(message[1]), speaker: message[2]!, text: "" });
    else if (lesson) lessonIds.push(lesson[1]!);
    else if (!inLessons && messages.length > 0) messages.at(-1)!.text += `${line}\n`;
  }
  for (const m of messages) m.text = m.text.trim();
  return { messages, lessonIds };
}

/** A quote of a message's first words (at most 60 characters), which is an exact substring of it. */
const quoteOf = (m: PromptMessage) => ({ seq: m.seq, text: m.text.slice(0, 60).trim() || m.text });

/** The report object for a transcript block. */
export function reportReply(block: string | undefined): object {
  const { messages, lessonIds } = readTranscriptBlock(block ?? "");
  const said = messages.filter((m) => m.text !== "");
  const fromStudent = said.filter((m) => m.speaker === "student");
  const topics = (fromStudent.length > 0 ? fromStudent : said).slice(0, 5).map((m) => ({
    point: `The student raised: ${quoteOf(m).text}`,
    quotes: [quoteOf(m)],
  }));
  const first = said[0];
  const recommendedLessons =
    first && lessonIds[0] ? [{ lessonId: lessonIds[0], reason: "It covers what the session began with.", quotes: [quoteOf(first)] }] : [];
  return { topics, understood: [], gaps: [], recommendedLessons };
}
