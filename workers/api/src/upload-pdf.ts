/**
 * Receives a PDF upload (a raw `application/pdf` body, or `multipart/form-data`
 * with a `file` part) and streams it into R2 under a key the server chose,
 * hashing it on the way. Refuses, before storing anything it can, bodies over
 * the size limit (413) and bodies that are not PDFs (415).
 */
import { ProblemError } from "@studyhall/core";

export interface ReceivedPdf {
  bytes: number;
  sha256: string;
  /** The title the client gave, if any. */
  title?: string;
  /** Form fields other than the file (multipart only). */
  fields: Record<string, string>;
}

const MAGIC = new TextEncoder().encode("%PDF-");

function hasMagic(head: Uint8Array): boolean {
  // The header may follow a few bytes of junk (a BOM, whitespace), as PDF readers allow within the first KiB.
  outer: for (let i = 0; i + MAGIC.length <= Math.min(head.length, 1024); i++) {
    for (let j = 0; j < MAGIC.length; j++) if (head[i + j] !== MAGIC[j]) continue outer;
    return true;
  }
  return false;
}

const notPdf = () =>
  new ProblemError("unsupported-media-type", { detail: "The upload is not a PDF (it does not start with %PDF-).", headers: { "Accept-Post": "application/pdf, multipart/form-data" } });
const tooLarge = (limit: number) => new ProblemError("payload-too-large", { detail: `Uploads are limited to ${limit} bytes.` });

/** Reads the first bytes (up to 1 KiB) so the type can be checked before anything is stored. */
async function peek(stream: ReadableStream<Uint8Array>): Promise<{ head: Uint8Array; rest: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let done = false;
  while (length < 1024) {
    const next = await reader.read();
    if (next.done) {
      done = true;
      break;
    }
    chunks.push(next.value);
    length += next.value.length;
  }
  const head = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    head.set(c, offset);
    offset += c.length;
  }
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length) controller.enqueue(head);
      if (done) controller.close();
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { head, rest };
}

function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Streams `body` of known `length` into R2 while hashing it. */
async function storeStream(bucket: R2Bucket, key: string, body: ReadableStream<Uint8Array>, length: number): Promise<string> {
  const [toStore, toHash] = body.tee();
  const digest = new crypto.DigestStream("SHA-256");
  const fixed = new FixedLengthStream(length);
  const [, , hash] = await Promise.all([
    toStore.pipeTo(fixed.writable),
    bucket.put(key, fixed.readable, { httpMetadata: { contentType: "application/pdf" } }),
    toHash.pipeTo(digest).then(() => digest.digest),
  ]);
  return hex(hash);
}

/** Stores bytes already in memory. */
async function storeBytes(bucket: R2Bucket, key: string, bytes: Uint8Array): Promise<string> {
  await bucket.put(key, bytes, { httpMetadata: { contentType: "application/pdf" } });
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

export async function receivePdf(request: Request, bucket: R2Bucket, key: string, maxBytes: number): Promise<ReceivedPdf> {
  const type = (request.headers.get("Content-Type") ?? "").toLowerCase();
  const declared = Number(request.headers.get("Content-Length") ?? NaN);
  // Multipart framing adds a little; a body well over the limit is refused before it is read.
  if (Number.isFinite(declared) && declared > maxBytes + (type.startsWith("multipart/") ? 64 * 1024 : 0)) throw tooLarge(maxBytes);
  if (!request.body) throw new ProblemError("bad-request", { detail: "The upload has no body." });

  if (type.startsWith("multipart/form-data")) {
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      throw new ProblemError("bad-request", { detail: "The multipart body could not be read." });
    }
    const file = form.get("file");
    if (!(file instanceof File)) {
      throw new ProblemError("validation-failed", { detail: "The form needs a `file` part holding the PDF.", extensions: { invalidParams: [{ name: "file", reason: "required" }] } });
    }
    if (file.size > maxBytes) throw tooLarge(maxBytes);
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (!hasMagic(bytes.subarray(0, 1024))) throw notPdf();
    const fields: Record<string, string> = {};
    for (const [name, value] of form.entries()) if (typeof value === "string") fields[name] = value;
    const title = fields.title || file.name.replace(/\.pdf$/i, "") || undefined;
    return { bytes: bytes.length, sha256: await storeBytes(bucket, key, bytes), title, fields };
  }

  if (!/^application\/(pdf|octet-stream)\s*(;|$)/.test(type)) {
    throw new ProblemError("unsupported-media-type", {
      detail: `Send the PDF as application/pdf or multipart/form-data, not ${type || "a body without a Content-Type"}.`,
      headers: { "Accept-Post": "application/pdf, multipart/form-data" },
    });
  }
  const { head, rest } = await peek(request.body);
  if (!hasMagic(head)) {
    await rest.cancel();
    throw notPdf();
  }
  if (Number.isFinite(declared) && declared > 0) {
    return { bytes: declared, sha256: await storeStream(bucket, key, rest, declared), fields: {} };
  }
  // No length given (chunked): read it in, counting, so the limit still holds.
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of rest) {
    total += chunk.length;
    if (total > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  return { bytes: total, sha256: await storeBytes(bucket, key, bytes), fields: {} };
}
