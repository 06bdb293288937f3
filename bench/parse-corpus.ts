/**
 * Parser throughput over the whole corpus, in this Node process: the real
 * packages/pdf code (unpdf / pdf.js), bundled for Node with esbuild, the same
 * bundler wrangler uses for the workers. Measured outside the platform on
 * purpose: through the platform, queue waits, R2 reads and D1 writes would
 * be counted as parsing. Each file is parsed once, after one warm-up parse.
 */
import { readdir, readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { CORPUS_DIR } from "../test/e2e/studyhall-client.ts";

type ParsePdf = (
  bytes: Uint8Array,
  options?: { maxPages?: number },
) => Promise<{ ok: true; document: { pageCount: number } } | { ok: false; code: string }>;

export interface CorpusParse {
  files: number;
  parsed: number;
  pages: number;
  /** Time spent in files that parsed, ms. */
  parsedMs: number;
  /** Time spent in all files, failures included, ms. */
  totalMs: number;
  failures: Record<string, number>;
  slowest: { file: string; ms: number; pages: number };
}

const root = new URL("../", import.meta.url);

/** Bundles packages/pdf into node_modules/.cache (where `unpdf` still resolves) and loads it. */
async function loadParser(): Promise<ParsePdf> {
  const outfile = new URL("node_modules/.cache/studyhall-bench/pdf.mjs", root).pathname;
  await build({
    entryPoints: [new URL("packages/pdf/src/index.ts", root).pathname],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    outfile,
    external: ["unpdf", "unpdf/*"],
    logLevel: "warning",
  });
  const module = (await import(pathToFileURL(outfile).href)) as { parsePdf: ParsePdf };
  return module.parsePdf;
}

export async function parseCorpus(log: (line: string) => void = () => {}): Promise<CorpusParse> {
  const parsePdf = await loadParser();
  const names = (await readdir(CORPUS_DIR)).filter((n) => n.toLowerCase().endsWith(".pdf")).sort();
  const read = (name: string) => readFile(new URL(name, CORPUS_DIR)).then((b) => new Uint8Array(b));
  await parsePdf(await read("tracemonkey.pdf"), { maxPages: 500 });

  const result: CorpusParse = {
    files: names.length,
    parsed: 0,
    pages: 0,
    parsedMs: 0,
    totalMs: 0,
    failures: {},
    slowest: { file: "", ms: 0, pages: 0 },
  };
  for (const name of names) {
    const bytes = await read(name);
    const started = performance.now();
    const parsed = await parsePdf(bytes, { maxPages: 500 });
    const took = performance.now() - started;
    result.totalMs += took;
    if (parsed.ok) {
      result.parsed++;
      result.pages += parsed.document.pageCount;
      result.parsedMs += took;
      if (took > result.slowest.ms) result.slowest = { file: name, ms: took, pages: parsed.document.pageCount };
    } else {
      result.failures[parsed.code] = (result.failures[parsed.code] ?? 0) + 1;
    }
    log(`  ${name}: ${parsed.ok ? `${parsed.document.pageCount} pages` : parsed.code} in ${took.toFixed(0)} ms`);
  }
  return result;
}
