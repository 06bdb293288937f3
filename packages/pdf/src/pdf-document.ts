/**
 * Opening a PDF with pdf.js (the serverless build that unpdf ships) in a way
 * that is safe inside a Worker: nothing is ever fetched, no WebAssembly is
 * loaded, no fonts are installed, and every load error maps to a failure code.
 */
import { getResolvedPDFJS } from "unpdf";
import type { PDFDocumentLoadingTask, PDFDocumentProxy } from "unpdf/pdfjs";
import { failure, type ParseFailure } from "./result.ts";

/**
 * pdf.js asks this factory for CMaps, standard font data and wasm files. In
 * workerd `process.release.name` is "node", so pdf.js would otherwise pick its
 * Node factory and try to read files or fetch URLs. Refusing here keeps the
 * parse offline: pdf.js then falls back to built-in metrics, and text in
 * fonts that need an external CMap (some CJK files) degrades to what the font
 * itself maps, instead of failing the document. Each refusal is recorded so a
 * failure can name what was missing.
 */
function offlineBinaryDataFactory(missing: string[]) {
  return class OfflineBinaryDataFactory {
    async fetch({ kind, filename }: { kind: string; filename: string }): Promise<Uint8Array> {
      missing.push(`${kind}:${filename}`);
      throw new Error(`offline: ${kind} ${filename} is not available`);
    }
  };
}

/** The PDF header must appear near the start; pdf.js tolerates a little junk before it. */
const HEADER_WINDOW = 1024;
const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // "%PDF-"

export function hasPdfHeader(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, HEADER_WINDOW) - PDF_MAGIC.length;
  for (let i = 0; i <= end; i++) {
    if (PDF_MAGIC.every((b, j) => bytes[i + j] === b)) return true;
  }
  return false;
}

export type OpenedPdf =
  | {
      ok: true;
      pdf: PDFDocumentProxy;
      task: PDFDocumentLoadingTask;
      /** Data files pdf.js asked for and did not get ("cMapUrl:Adobe-Japan1-UCS2.bcmap"); grows while pages are read. */
      missingData: readonly string[];
    }
  | ParseFailure;

/**
 * Loads the document. The bytes are copied because pdf.js may take ownership
 * of (detach) the buffer it is given, and callers may still need theirs.
 */
export async function openPdf(bytes: Uint8Array): Promise<OpenedPdf> {
  if (bytes.length === 0) return failure("pdf-damaged", "The file is empty.");
  if (!hasPdfHeader(bytes)) return failure("pdf-damaged", "The file is not a PDF (no %PDF- header).");
  let task: PDFDocumentLoadingTask | undefined;
  const missingData: string[] = [];
  try {
    const pdfjs = await getResolvedPDFJS();
    task = pdfjs.getDocument({
      data: bytes.slice(),
      BinaryDataFactory: offlineBinaryDataFactory(missingData),
      useWorkerFetch: false,
      useSystemFonts: false,
      disableFontFace: true,
      useWasm: false,
      stopAtErrors: false,
      enableXfa: false,
      verbosity: pdfjs.VerbosityLevel.ERRORS,
    });
    const pdf = await task.promise;
    return { ok: true, pdf, task, missingData };
  } catch (error) {
    await closeQuietly(task);
    return loadFailure(error);
  }
}

/** Maps what pdf.js throws while loading to a failure code. */
export function loadFailure(error: unknown): ParseFailure {
  const name = error instanceof Object && "name" in error ? String(error.name) : "";
  const message = error instanceof Object && "message" in error ? String(error.message) : String(error);
  if (name === "PasswordException") {
    return failure("pdf-encrypted", "The PDF is password-protected; remove the password and upload it again.");
  }
  // pdf.js's own words stay in the log (`cause`); its owner is told what happened in ours.
  const cause = `${name || "Error"}: ${message || "unknown error"}`;
  if (name === "InvalidPDFException")
    return failure("pdf-damaged", "The PDF is damaged or not a PDF: its structure could not be read.", cause);
  return failure("pdf-damaged", "The PDF could not be read; it may be damaged or use features the reader does not support.", cause);
}

/** Destroys a loading task, ignoring errors: there is nothing left to recover at that point. */
export async function closeQuietly(task: PDFDocumentLoadingTask | undefined): Promise<void> {
  try {
    await task?.destroy();
  } catch {
    // Teardown of a half-loaded document can reject; the parse result is already decided.
  }
}

/**
 * Number of pages of a PDF, or the failure that prevents reading it.
 * @example const counted = await pageCount(bytes); if (counted.ok) console.log(counted.pages);
 */
export async function pageCount(bytes: Uint8Array): Promise<{ ok: true; pages: number } | ParseFailure> {
  const opened = await openPdf(bytes);
  if (!opened.ok) return opened;
  try {
    return { ok: true, pages: opened.pdf.numPages };
  } finally {
    await closeQuietly(opened.task);
  }
}
