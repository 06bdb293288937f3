/**
 * Upload accept, studyhall beside the floor: a few connections, each its own
 * teacher, send 1 MiB PDFs as fast as they are answered, every body distinct
 * (a counter in a comment after `%%EOF`), so dedupe never answers. studyhall
 * is asked `?generate=false`: its path is auth, the limiter, the body to R2
 * with its hash, one D1 batch and one queue send. The floor streams the same
 * bodies to R2 while hashing, inserts one row and sends one message. Each
 * side runs twice, studyhall, floor, floor, studyhall (`sideBySide`). Both
 * queues' messages are taken by a consumer: the floor's drops them, and
 * studyhall's organisation holds its normal lane for the run (an admin's
 * pause), so the parse jobs its uploads start wait instead of parsing on the
 * same two cores while either side is measured. They run once it is resumed.
 */
import { corpusPdf, postJson } from "../test/e2e/studyhall-client.ts";
import type { Comparison } from "./compare.ts";
import { load, pooledLoad, sideBySide, statusSummary } from "./load.ts";
import type { Teacher } from "./teacher-accounts.ts";

export const UPLOAD_BYTES = 1024 * 1024;
/** `\n%bench-upload 0000000000000001\n`: where each body's counter goes, at its very end. */
const COUNTER_DIGITS = 16;
const TAIL = `\n%bench-upload ${"0".repeat(COUNTER_DIGITS)}\n`;

/** A valid PDF of exactly `UPLOAD_BYTES`: the corpus file, then comment lines after `%%EOF`, then the counter. */
export async function paddedPdf(name: string): Promise<Buffer> {
  const pdf = Buffer.from(await corpusPdf(name));
  if (pdf.length + TAIL.length + 2 > UPLOAD_BYTES) throw new Error(`${name} is larger than an upload of the bench`);
  const body = Buffer.alloc(UPLOAD_BYTES, "%");
  pdf.copy(body);
  // Comment lines of at most 80 characters, as a PDF reader expects of any line.
  for (let at = pdf.length; at < UPLOAD_BYTES - TAIL.length; at += 80) body[at] = 0x0a;
  body.write(TAIL, UPLOAD_BYTES - TAIL.length, "latin1");
  return body;
}

/** Distinct bodies: a copy of `template` with the next counter value written into its tail. */
export function distinctBodies(template: Buffer): () => Buffer {
  let n = 0;
  const at = template.length - COUNTER_DIGITS - 1;
  return () => {
    const body = Buffer.from(template);
    body.write(String(++n).padStart(COUNTER_DIGITS, "0"), at, "latin1");
    return body;
  };
}

export interface UploadOptions {
  /** The uploaders' organisation's admin, who holds its normal lane for the run. */
  admin: Teacher;
  connections: number;
  durationSeconds: number;
  pdfName: string;
  log: (line: string) => void;
}

/**
 * @example
 * const [comparison] = await compareUploads(platform.url, floor.url, teachers, { connections: 4, durationSeconds: 10, pdfName: "pdfjs_wikipedia.pdf", log });
 */
export async function compareUploads(
  base: string,
  floorUrl: string,
  teachers: readonly Teacher[],
  options: UploadOptions,
): Promise<Comparison[]> {
  const { connections, durationSeconds, log } = options;
  const template = await paddedPdf(options.pdfName);
  const type = { "Content-Type": "application/pdf" };
  const lane = (action: "pause" | "resume") => postJson(base, `/v1/admin/lanes/normal/${action}`, {}, { token: options.admin.token });
  await lane("pause");
  // One counter per side across its runs, so no body is sent twice.
  const studyhallBodies = distinctBodies(template);
  const floorBodies = distinctBodies(template);
  const [studyhall, floor] = await sideBySide(
    "upload accept",
    () =>
      load({
        url: `${base}/v1/documents?generate=false&title=bench`,
        method: "POST",
        connections,
        durationSeconds,
        headersFor: (i) => ({ ...type, Authorization: `Bearer ${teachers[i % teachers.length]!.token}` }),
        nextBody: studyhallBodies,
      }),
    () =>
      load({
        url: `${floorUrl}/floor/uploads`,
        method: "POST",
        connections,
        durationSeconds,
        headersFor: () => type,
        nextBody: floorBodies,
      }),
    log,
    pooledLoad,
  );
  await lane("resume");
  return [
    {
      name: "upload accept, 1 MiB",
      studyhall,
      floor,
      unit: "req/s",
      note: `${connections} connections (one teacher each), ${durationSeconds} s, ${options.pdfName} padded to 1 MiB; parsing held during both runs; studyhall ${statusSummary(studyhall.statuses)}; floor ${statusSummary(floor.statuses)}`,
    },
  ];
}
