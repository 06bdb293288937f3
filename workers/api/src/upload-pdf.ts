/**
 * Receives a PDF upload (a raw `application/pdf` body, or `multipart/form-data`
 * with a `file` part) and streams it into R2 under a key the server chose,
 * hashing and counting it on the way. Nothing is buffered whole: bodies over
 * the size limit are refused (413) the moment the count passes it, and bodies
 * that are not PDFs (415) before a byte is stored. `guardUpload` makes sure a
 * failed upload leaves nothing in R2.
 */
import { ProblemError } from "@studyhall/core";
import { OUTAGE_RETRY_AFTER_SECONDS } from "./errors.ts";
import { boundaryOf, MultipartReader } from "./multipart.ts";
import { HEAD_BYTES, type StoredObject, storeKnownLength, storeStream, tooLarge } from "./r2-upload.ts";

export interface ReceivedPdf {
  bytes: number;
  sha256: string;
  /** The file name the client gave without `.pdf`, if any (multipart only). */
  title?: string;
  /** Form fields other than the file (multipart only), not yet validated. */
  fields: Record<string, string>;
}

/** Text fields (a title, a flag) are small; a larger one is an attack or a mistake. */
export const MAX_FIELD_BYTES = 4 * 1024;
/** Multipart framing and fields on top of the file. */
const FORM_OVERHEAD_BYTES = 64 * 1024;
const PDF = "application/pdf";
const MAGIC = new TextEncoder().encode("%PDF-");

function hasMagic(head: Uint8Array): boolean {
  // The header may follow a few bytes of junk (a BOM, whitespace), as PDF readers allow within the first KiB.
  outer: for (let i = 0; i + MAGIC.length <= Math.min(head.length, HEAD_BYTES); i++) {
    for (let j = 0; j < MAGIC.length; j++) if (head[i + j] !== MAGIC[j]) continue outer;
    return true;
  }
  return false;
}

const notPdf = () =>
  new ProblemError("unsupported-media-type", {
    detail: "The upload is not a PDF (it does not start with %PDF-).",
    headers: { "Accept-Post": "application/pdf, multipart/form-data" },
  });

function checkPdf(head: Uint8Array): void {
  if (!hasMagic(head)) throw notPdf();
}

/** A form: its text fields, and its one `file` part streamed into R2. */
async function receiveForm(
  body: ReadableStream<Uint8Array>,
  contentType: string,
  bucket: R2Bucket,
  key: string,
  maxBytes: number,
): Promise<ReceivedPdf> {
  const form = new MultipartReader(body, boundaryOf(contentType));
  try {
    const fields: Record<string, string> = {};
    let stored: StoredObject | undefined;
    let filename: string | undefined;
    for (let part = await form.nextPart(); part; part = await form.nextPart()) {
      if (part.name !== "file") {
        fields[part.name] = await form.text(part.name, MAX_FIELD_BYTES);
        continue;
      }
      if (stored)
        throw new ProblemError("validation-failed", {
          detail: "The form has more than one `file` part.",
          extensions: { invalidParams: [{ name: "file", reason: "only one file per upload" }] },
        });
      stored = await storeStream(bucket, key, form.body(), { maxBytes, contentType: PDF, checkHead: checkPdf });
      filename = part.filename;
    }
    if (!stored) {
      throw new ProblemError("validation-failed", {
        detail: "The form needs a `file` part holding the PDF.",
        extensions: { invalidParams: [{ name: "file", reason: "required" }] },
      });
    }
    const title =
      filename
        ?.replace(/\.pdf$/i, "")
        .trim()
        .slice(0, 200) || undefined;
    return { ...stored, title, fields };
  } catch (error) {
    await form.cancel();
    throw error;
  }
}

/**
 * Streams the request's PDF into R2 at `key`. On a refusal the object may exist (a form can fail after its
 * file): run it inside `guardUpload`, which removes it.
 */
export async function receivePdf(request: Request, bucket: R2Bucket, key: string, maxBytes: number): Promise<ReceivedPdf> {
  const type = (request.headers.get("Content-Type") ?? "").toLowerCase();
  const declared = Number(request.headers.get("Content-Length") ?? NaN);
  const multipart = type.startsWith("multipart/form-data");
  // A body well over the limit is refused before it is read.
  if (Number.isFinite(declared) && declared > maxBytes + (multipart ? FORM_OVERHEAD_BYTES : 0)) throw tooLarge(maxBytes);
  if (!request.body) throw new ProblemError("bad-request", { detail: "The upload has no body." });
  if (multipart) return receiveForm(request.body, request.headers.get("Content-Type")!, bucket, key, maxBytes);

  if (!/^application\/(pdf|octet-stream)\s*(;|$)/.test(type)) {
    throw new ProblemError("unsupported-media-type", {
      detail: `Send the PDF as application/pdf or multipart/form-data, not ${type || "a body without a Content-Type"}.`,
      headers: { "Accept-Post": "application/pdf, multipart/form-data" },
    });
  }
  if (Number.isFinite(declared) && declared > 0) {
    return { ...(await storeKnownLength(bucket, key, request.body, PDF, checkPdf)), fields: {} };
  }
  // No length given (chunked): counted as it streams, so the limit holds without reading it all in.
  return { ...(await storeStream(bucket, key, request.body, { maxBytes, contentType: PDF, checkHead: checkPdf })), fields: {} };
}

/**
 * Runs an upload's accept step, which stores the object at `key` and may answer without keeping it (a
 * replayed key, a duplicate file) or fail anywhere. Unless the step called `keep()` (its document row is
 * committed), the object is deleted however the step ends. An error before that which is not already a
 * problem (D1 or R2 failing underneath) becomes a 503: nothing was kept, and the same upload may succeed later.
 * @example
 * return guardUpload(env.FILES, key, async (keep) => { await receivePdf(...); await acceptUpload(...); keep(); return response; });
 */
export async function guardUpload<T>(bucket: R2Bucket, key: string, step: (keep: () => void) => Promise<T>): Promise<T> {
  let kept = false;
  try {
    return await step(() => {
      kept = true;
    });
  } catch (error) {
    // Once the document is committed its file stays, and "nothing was kept" would not be true.
    if (error instanceof ProblemError || kept) throw error;
    throw new ProblemError("service-unavailable", {
      detail: "The upload could not be recorded, and nothing of it was kept. Try again in a moment.",
      headers: { "Retry-After": OUTAGE_RETRY_AFTER_SECONDS },
      cause: error,
    });
  } finally {
    if (!kept) {
      await bucket.delete(key).catch((error: unknown) => {
        console.error(JSON.stringify({ level: "error", msg: "failed upload's object not deleted", key, error: String(error) }));
      });
    }
  }
}
