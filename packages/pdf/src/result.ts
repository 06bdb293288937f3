/**
 * What `parsePdf` answers: a parsed document, or one of the four failure codes
 * with a human-readable detail. The job handler decides what a failure means
 * for the job; this package never decides HTTP status.
 */

import type { ParsedDocument, ParseFailureCode } from "@studyhall/core";
import { z } from "zod";

/** `detail` is written for the document's owner; `cause`, when there is one, is the reader's own message, for the log only. */
export type ParseFailure = { ok: false; code: ParseFailureCode; detail: string; cause?: string };
export type ParseResult = { ok: true; document: ParsedDocument } | ParseFailure;

/** Options of `parsePdf`; validated because they usually come from configuration. */
export const parseOptionsSchema = z.object({
  /** Documents with more pages fail with `pdf-too-many-pages` before any text is read. */
  maxPages: z.number().int().min(1),
  /**
   * Upper bound on the whole parse. pdf.js yields between pages, so a slow or
   * pathological file fails with `pdf-damaged` instead of holding the job forever.
   */
  timeoutMs: z.number().int().min(1).default(60_000),
});
export type ParseOptions = z.input<typeof parseOptionsSchema>;

export function failure(code: ParseFailureCode, detail: string, cause?: string): ParseFailure {
  return cause === undefined ? { ok: false, code, detail } : { ok: false, code, detail, cause };
}

/** Thrown inside the package to stop a parse early; `parsePdf` turns it into a result. */
export class ParseAbort extends Error {
  constructor(readonly failure: ParseFailure) {
    super(failure.detail);
    this.name = "ParseAbort";
  }
}
