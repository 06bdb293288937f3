/**
 * Time and memory of a 300-page course export, measured honestly: the same
 * build function the export job runs (workers/jobs/src/export/pdf), run in a
 * fresh Node process (V8, as in workerd) on the synthetic course the tests
 * export, so nothing else this benchmark does counts towards its memory. A
 * Worker is limited to 128 MB per isolate; the figures here are the process's
 * growth in resident memory while building (the kernel's high-water mark),
 * and the V8 heap and ArrayBuffer memory sampled along the way. Printed,
 * never judged.
 *
 *   node bench/export.ts            # standalone: prints the table
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CourseSource } from "@studyhall/core/course-export-model";
import { buildCoursePdf } from "../workers/jobs/src/export/pdf/course-pdf.ts";
import { courseJson, courseMarkdown } from "../workers/jobs/src/export/text-exports.ts";
import { syntheticCourse } from "../workers/jobs/test/synthetic-course.ts";
import { seconds, table } from "./stats.ts";

export interface ExportFigures {
  pages: number;
  pdfBytes: number;
  buildMs: number;
  /** Growth of the process's resident memory high-water mark during the PDF build. */
  peakRssGrowthBytes: number;
  peakHeapBytes: number;
  peakExternalBytes: number;
  markdownMs: number;
  markdownBytes: number;
  jsonMs: number;
  jsonBytes: number;
}

const fontsDir = new URL("../node_modules/dejavu-fonts-ttf/ttf/", import.meta.url);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function sourceOf(course: ReturnType<typeof syntheticCourse>): CourseSource {
  return {
    outline: {
      id: "bench",
      title: course.title,
      description: course.description,
      audience: null,
      modules: course.modules.map((m) => ({ title: m.title, lessons: m.lessons.map((l) => l.title), quizzes: [m.quiz.title] })),
    },
    async *modules() {
      for (const m of course.modules)
        yield {
          title: m.title,
          summary: m.summary,
          lessons: m.lessons,
          quizzes: [{ title: m.quiz.title, questions: m.quiz.questions.map((q) => ({ ...q, kind: "single-choice" })) }],
        };
    },
  };
}

async function textSize(chunks: AsyncIterable<string>): Promise<number> {
  let bytes = 0;
  for await (const chunk of chunks) bytes += Buffer.byteLength(chunk);
  return bytes;
}

/** The measurement itself; run in a child process so its memory is its own. */
async function measureHere(): Promise<ExportFigures> {
  const course = syntheticCourse();
  const fonts = {
    regular: readFileSync(new URL("DejaVuSans.ttf", fontsDir)),
    bold: readFileSync(new URL("DejaVuSans-Bold.ttf", fontsDir)),
  };
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peakHeap = 0;
  let peakExternal = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakExternal = Math.max(peakExternal, m.external);
  };
  // The build is mostly synchronous between modules, so the timer samples little; the module hook samples at each boundary.
  const timer = setInterval(sample, 5);
  const started = performance.now();
  const { bytes, pages } = await buildCoursePdf(sourceOf(course), fonts, { onModule: async () => sample() });
  const buildMs = performance.now() - started;
  sample();
  clearInterval(timer);
  const peakRss = process.resourceUsage().maxRSS * 1024;

  let t = performance.now();
  const markdownBytes = await textSize(courseMarkdown(sourceOf(course)));
  const markdownMs = performance.now() - t;
  t = performance.now();
  const jsonBytes = await textSize(courseJson(sourceOf(course)));
  const jsonMs = performance.now() - t;
  return {
    pages,
    pdfBytes: bytes.length,
    buildMs,
    peakRssGrowthBytes: Math.max(0, peakRss - rssBefore),
    peakHeapBytes: peakHeap,
    peakExternalBytes: peakExternal,
    markdownMs,
    markdownBytes,
    jsonMs,
    jsonBytes,
  };
}

/**
 * Measures the 300-page export in a fresh Node process and returns the figures.
 * @example
 * const figures = measureExport();
 */
export function measureExport(): ExportFigures {
  const child = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--child"], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) throw new Error(`export bench failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as ExportFigures;
}

/** Rows and notes for the benchmark's table. */
export function exportRows(f: ExportFigures): { rows: [string, string, string][]; notes: string[] } {
  return {
    rows: [
      ["(e) 300-page PDF export", seconds(f.buildMs), `${f.pages} pages, ${mib(f.pdfBytes)}`],
      [
        "(e)   peak memory (RSS growth)",
        mib(f.peakRssGrowthBytes),
        `V8 heap peak ${mib(f.peakHeapBytes)}, external peak ${mib(f.peakExternalBytes)}; a Worker has 128 MB`,
      ],
      ["(e)   Markdown / JSON export", `${seconds(f.markdownMs)} / ${seconds(f.jsonMs)}`, `${mib(f.markdownBytes)} / ${mib(f.jsonBytes)}`],
    ],
    notes: [
      "(e) the PDF build function of the export job (pdf-lib, DejaVu Sans subset) run directly in a fresh Node process on the synthetic course the tests export (120 lessons, 12 quizzes), no D1 or R2 in the loop. Memory is measured in Node, not in workerd: RSS growth is the kernel's high-water mark over the build, minus the resident size before it (it includes V8's own slack, so it overstates what the isolate would be charged); heap and external are process.memoryUsage() samples at module boundaries and every 5 ms.",
    ],
  };
}

if (process.argv.includes("--child")) {
  console.log(JSON.stringify(await measureHere()));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const { rows, notes } = exportRows(measureExport());
  console.log(
    `\n${table("studyhall export bench (Node, this machine; figures, not pass/fail)", rows)}\n\n${notes.map((n) => `- ${n}`).join("\n")}\n`,
  );
}
