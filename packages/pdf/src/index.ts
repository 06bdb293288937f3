/**
 * @studyhall/pdf: PDF parsing for Workers with unpdf (pdf.js), offline and
 * bounded. `parsePdf` is the one entry point the job handlers need.
 * @example
 * import { parsePdf } from "@studyhall/pdf";
 * const result = await parsePdf(new Uint8Array(await object.arrayBuffer()), { maxPages: 300 });
 */

export { normaliseText } from "./normalise.ts";
export { parsePdf } from "./parse.ts";
export { pageCount } from "./pdf-document.ts";
export { type ParseFailure, type ParseOptions, type ParseResult, parseOptionsSchema } from "./result.ts";
