/**
 * A course as a printable PDF: a title page, a table of contents with page
 * numbers, each module with its lessons and its quiz, the answer key at the
 * end, and "Page n of N" on every page. Text is set in DejaVu Sans (regular
 * and bold), embedded as subsets so any Unicode text the fonts cover prints
 * and only the glyphs used are stored. Modules are read and laid out one at
 * a time; the contents pages are reserved up front and filled in last.
 */
import fontkit from "@pdf-lib/fontkit";
import { answerLabel, type CourseSource, choiceLetter, type ExportModule, type ExportOutline } from "@studyhall/core/course-export-model";
import { PDFDocument } from "pdf-lib";
import { BODY_SIZE, heading, paragraph, plain, renderMarkdown } from "./block-renderer.ts";
import { CONTENT_WIDTH, leaderOps, PAGE, PageWriter } from "./page-writer.ts";
import { Typesetter } from "./typesetter.ts";

export interface PdfFontFiles {
  regular: ArrayBuffer | Uint8Array;
  bold: ArrayBuffer | Uint8Array;
}

export interface PdfBuildOptions {
  now?: Date;
  /** Called after each module, e.g. to report progress; may throw to stop. */
  onModule?: (done: number, total: number) => Promise<void>;
}

interface TocEntry {
  level: 0 | 1;
  text: string;
  page?: number;
}

interface AnswerKeyQuiz {
  title: string;
  answers: { label: string; explanation: string }[];
}

const TOC_LINE = 17;
const TOC_MODULE_GAP = 7;
const TOC_TITLE_SPACE = 48;

/** Where each contents entry goes: page offset from the first contents page, and baseline. */
function tocPlacement(entries: readonly TocEntry[]): { page: number; y: number }[] {
  const top = PAGE.height - PAGE.top;
  let page = 0;
  let y = top - TOC_TITLE_SPACE;
  return entries.map((entry) => {
    const needed = TOC_LINE + (entry.level === 0 ? TOC_MODULE_GAP : 0);
    if (y - needed < PAGE.bottom) {
      page += 1;
      y = top;
    }
    if (entry.level === 0 && y < top) y -= TOC_MODULE_GAP;
    const at = { page, y };
    y -= TOC_LINE;
    return at;
  });
}

function titlePage(w: PageWriter, outline: ExportOutline, now: Date): void {
  w.addPage();
  w.y = PAGE.height * 0.66;
  heading(w, plain(outline.title), 1, { size: 26, after: 18 });
  if (outline.description.trim()) paragraph(w, plain(outline.description), { size: 12, gray: 0.3, after: 14 });
  if (outline.audience)
    paragraph(
      w,
      [
        { text: "For ", bold: false },
        { text: outline.audience, bold: true },
      ],
      { size: 11, gray: 0.3 },
    );
  const lessons = outline.modules.reduce((n, m) => n + m.lessons.length, 0);
  const quizzes = outline.modules.reduce((n, m) => n + m.quizzes.length, 0);
  paragraph(w, plain(`${outline.modules.length} modules · ${lessons} lessons · ${quizzes} quizzes`), { size: 10, gray: 0.45 });
  w.y = PAGE.bottom + 20;
  w.text(`Exported from studyhall on ${now.toISOString().slice(0, 10)}`, "regular", PAGE.left, w.y, 9, 0.45);
}

interface ModuleEntries {
  module: TocEntry;
  lessons: TocEntry[];
  quizzes: TocEntry[];
}

function writeModule(w: PageWriter, module: ExportModule, index: number, entries: ModuleEntries, key: AnswerKeyQuiz[]): void {
  w.addPage();
  entries.module.page = w.pageNumber;
  w.text(`Module ${index + 1}`, "bold", PAGE.left, w.y, 10, 0.45);
  w.y -= 30;
  heading(w, plain(module.title), 1, { before: 0 });
  if (module.summary.trim()) paragraph(w, plain(module.summary), { size: 11, gray: 0.3 });
  w.rule(PAGE.left, CONTENT_WIDTH);
  w.y -= 8;

  module.lessons.forEach((lesson, i) => {
    heading(w, plain(lesson.title), 2, { before: 22 });
    const entry = entries.lessons[i];
    if (entry) entry.page = w.pageNumber;
    renderMarkdown(w, lesson.bodyMd, 3);
    // Generated bodies usually list their key terms; print them when this one does not.
    if (lesson.keyTerms.length && !/^#{1,6}\s*key terms/im.test(lesson.bodyMd)) {
      heading(w, plain("Key terms"), 3);
      for (const k of lesson.keyTerms)
        paragraph(
          w,
          [
            { text: k.term, bold: true },
            { text: `: ${k.definition}`, bold: false },
          ],
          { indent: 14, after: 3 },
        );
    }
  });

  module.quizzes.forEach((quiz, i) => {
    heading(w, plain(`Quiz: ${quiz.title}`), 2, { before: 22 });
    const entry = entries.quizzes[i];
    if (entry) entry.page = w.pageNumber;
    const answers: AnswerKeyQuiz["answers"] = [];
    quiz.questions.forEach((q, n) => {
      paragraph(w, [{ text: `${n + 1}. `, bold: true }, ...plain(q.prompt)], { before: 4, after: 3 });
      for (const [c, choice] of q.choices.entries()) {
        paragraph(w, [{ text: `${choiceLetter(c)}) `, bold: true }, ...plain(choice)], { indent: 18, after: 1 });
      }
      if (q.kind === "true-false" && q.choices.length === 0) paragraph(w, plain("True / False"), { indent: 18, after: 1 });
      answers.push({ label: answerLabel(q.answer, q.choices), explanation: q.explanation });
    });
    key.push({ title: quiz.title, answers });
  });
}

function answerKeyPages(w: PageWriter, key: AnswerKeyQuiz[]): number | undefined {
  if (!key.some((quiz) => quiz.answers.length > 0)) return undefined;
  w.addPage();
  const page = w.pageNumber;
  heading(w, plain("Answer key"), 1, { before: 0 });
  for (const quiz of key) {
    if (quiz.answers.length === 0) continue;
    heading(w, plain(quiz.title), 3);
    quiz.answers.forEach((a, n) => {
      paragraph(w, [{ text: `${n + 1}. `, bold: true }, ...plain(a.label)], { after: 1 });
      if (a.explanation.trim()) paragraph(w, plain(a.explanation), { size: 9, indent: 18, gray: 0.35, after: 4 });
    });
  }
  return page;
}

function fillContents(w: PageWriter, firstTocPage: number, entries: TocEntry[]): void {
  const placement = tocPlacement(entries);
  const pageCount = placement.length ? placement.at(-1)!.page + 1 : 1;
  const ops: string[][] = Array.from({ length: pageCount }, () => []);
  const titleLine = w.type.wrap(plain("Contents", true), 20, CONTENT_WIDTH)[0]!;
  ops[0]!.push(w.lineOps(firstTocPage, titleLine, PAGE.left, PAGE.height - PAGE.top - 14, 20));
  entries.forEach((entry, i) => {
    const { page, y } = placement[i]!;
    const face = entry.level === 0 ? "bold" : "regular";
    const size = entry.level === 0 ? 11 : BODY_SIZE;
    const indent = entry.level === 0 ? 0 : 16;
    const number = entry.page === undefined ? "" : String(entry.page);
    const numberWidth = w.type.width("regular", number, BODY_SIZE);
    const text = w.type.fit(face, entry.text, size, CONTENT_WIDTH - indent - 40);
    const textWidth = w.type.width(face, text, size);
    const pageIndex = firstTocPage + page;
    ops[page]!.push(w.lineOps(pageIndex, { segments: [{ face, text, x: 0 }], width: textWidth }, PAGE.left + indent, y, size));
    if (number) {
      const right = PAGE.width - PAGE.right;
      ops[page]!.push(leaderOps(PAGE.left + indent + textWidth + 6, right - numberWidth - 6, y));
      ops[page]!.push(
        w.lineOps(
          pageIndex,
          { segments: [{ face: "regular", text: number, x: 0 }], width: numberWidth },
          right - numberWidth,
          y,
          BODY_SIZE,
        ),
      );
    }
  });
  for (const [i, pageOps] of ops.entries()) w.appendTo(firstTocPage + i, pageOps);
}

function pageNumbers(w: PageWriter): void {
  const total = w.pages.length;
  w.pages.forEach((_, i) => {
    const text = `Page ${i + 1} of ${total}`;
    const width = w.type.width("regular", text, 8.5);
    w.appendTo(i, [w.lineOps(i, { segments: [{ face: "regular", text, x: 0 }], width }, (PAGE.width - width) / 2, 36, 8.5, 0.45)]);
  });
}

/**
 * Builds the PDF of a course.
 * @example
 * const { bytes, pages } = await buildCoursePdf(source, { regular, bold });
 */
export async function buildCoursePdf(
  source: CourseSource,
  fontFiles: PdfFontFiles,
  options: PdfBuildOptions = {},
): Promise<{ bytes: Uint8Array; pages: number }> {
  const now = options.now ?? new Date();
  const { outline } = source;
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const fonts = {
    regular: await doc.embedFont(fontFiles.regular, { subset: true }),
    bold: await doc.embedFont(fontFiles.bold, { subset: true }),
  };
  const w = new PageWriter(doc, fonts, new Typesetter(fonts));

  titlePage(w, outline, now);
  const tocModules = outline.modules.map(
    (m, i): ModuleEntries => ({
      module: { level: 0, text: `${i + 1}. ${m.title}` },
      lessons: m.lessons.map((title) => ({ level: 1, text: title })),
      quizzes: m.quizzes.map((title) => ({ level: 1, text: `Quiz: ${title}` })),
    }),
  );
  const answerKeyEntry: TocEntry = { level: 0, text: "Answer key" };
  const hasQuizzes = tocModules.some((m) => m.quizzes.length > 0);
  const entries = [...tocModules.flatMap((m) => [m.module, ...m.lessons, ...m.quizzes]), ...(hasQuizzes ? [answerKeyEntry] : [])];
  const firstTocPage = w.pages.length;
  const tocPageCount = (tocPlacement(entries).at(-1)?.page ?? 0) + 1;
  for (let i = 0; i < tocPageCount; i++) w.addPage();

  const key: AnswerKeyQuiz[] = [];
  let index = 0;
  for await (const module of source.modules()) {
    const slot = tocModules[index] ?? { module: { level: 0, text: module.title }, lessons: [], quizzes: [] };
    writeModule(w, module, index, slot, key);
    index += 1;
    await options.onModule?.(index, outline.modules.length);
  }
  answerKeyEntry.page = answerKeyPages(w, key);
  w.finishPage();

  fillContents(w, firstTocPage, entries);
  pageNumbers(w);
  doc.setTitle(outline.title);
  doc.setCreator("studyhall");
  doc.setProducer("studyhall (pdf-lib)");
  doc.setCreationDate(now);
  const bytes = await doc.save({ useObjectStreams: true });
  return { bytes, pages: doc.getPageCount() };
}
