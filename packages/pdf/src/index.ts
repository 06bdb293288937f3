/**
 * @studyhall/pdf: PDF parsing for Workers with unpdf (pdf.js), offline and
 * bounded. `parsePdf` is the one entry point the job handlers need.
 * @example
 * import { parsePdf } from "@studyhall/pdf";
 * const result = await parsePdf(new Uint8Array(await object.arrayBuffer()), { maxPages: 300 });
 */
export { parsePdf } from "./parse";
export { pageCount } from "./pdf-document";
export { normaliseText } from "./normalise";
export { parseOptionsSchema, type ParseFailure, type ParseOptions, type ParseResult } from "./result";
