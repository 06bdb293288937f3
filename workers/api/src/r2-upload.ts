/**
 * Streams an upload into R2 while hashing and counting it. R2's `put` needs
 * the length of a stream up front: with a known length the stream goes
 * straight through a FixedLengthStream; with none (a chunked body, a file
 * part of a form) the bytes are gathered one part at a time and sent as an R2
 * multipart upload, so memory never holds more than one part. Whatever fails,
 * a multipart upload is aborted and nothing is left behind.
 */
import { ProblemError } from "@studyhall/core";

/** R2's smallest part but the last; every part but the last is exactly this size, as R2 asks. */
export const PART_BYTES = 5 * 1024 * 1024;
/** How much of the start the caller's check sees before anything is stored. */
export const HEAD_BYTES = 1024;

export interface StoredObject {
  bytes: number;
  sha256: string;
}

export interface StreamOptions {
  maxBytes: number;
  contentType: string;
  /** Sees the first HEAD_BYTES (or the whole body, if shorter) before any byte is stored; throws to refuse. */
  checkHead(head: Uint8Array): void;
}

export const tooLarge = (limit: number) => new ProblemError("payload-too-large", { detail: `Uploads are limited to ${limit} bytes.` });

function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Streams `body`, whose length the request declared, into R2 while hashing it. `checkHead` sees its first bytes
 * before R2 is asked to store any: they are read from the hashing branch of a tee, and the other branch goes to
 * R2 untouched, so no byte of the body passes through JavaScript on its way.
 */
export async function storeKnownLength(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array>,
  contentType: string,
  checkHead: (head: Uint8Array) => void,
): Promise<StoredObject> {
  const [toStore, toHash] = body.tee();
  const reader = toHash.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < HEAD_BYTES) {
      const next = await reader.read();
      if (next.done) break;
      chunks.push(next.value);
      length += next.value.length;
    }
  } finally {
    reader.releaseLock();
  }
  const head = concat(chunks, length);
  try {
    checkHead(head);
  } catch (error) {
    await Promise.all([toStore.cancel(error), toHash.cancel(error)]);
    throw error;
  }
  const digest = new crypto.DigestStream("SHA-256");
  const hashing = (async () => {
    const writer = digest.getWriter();
    await writer.write(head);
    writer.releaseLock();
    await toHash.pipeTo(digest);
    return digest.digest;
  })();
  const [stored, hash] = await Promise.all([bucket.put(key, toStore, { httpMetadata: { contentType } }), hashing]);
  return { bytes: stored.size, sha256: hex(hash) };
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    joined.set(c, offset);
    offset += c.length;
  }
  return joined;
}

/**
 * Streams chunks of unknown total length into R2, refusing (413) the moment the count passes `maxBytes`.
 * Up to one part it is a single `put`; beyond, a multipart upload that is aborted on any failure.
 * @example
 * const stored = await storeStream(env.FILES, key, request.body, { maxBytes, contentType: "application/pdf", checkHead });
 */
export async function storeStream(
  bucket: R2Bucket,
  key: string,
  chunks: AsyncIterable<Uint8Array>,
  options: StreamOptions,
): Promise<StoredObject> {
  const digest = new crypto.DigestStream("SHA-256");
  const hashing = digest.getWriter();
  // Aborting the hash on a refusal rejects its digest, which nobody awaits then.
  const hashed = digest.digest.then(hex);
  hashed.catch(() => undefined);
  const metadata = { httpMetadata: { contentType: options.contentType } };
  let part = new Uint8Array(PART_BYTES);
  let filled = 0;
  let total = 0;
  let headChecked = false;
  let upload: R2MultipartUpload | undefined;
  const parts: R2UploadedPart[] = [];
  try {
    for await (const chunk of chunks) {
      total += chunk.length;
      if (total > options.maxBytes) throw tooLarge(options.maxBytes);
      await hashing.write(chunk);
      for (let offset = 0; offset < chunk.length; ) {
        const n = Math.min(PART_BYTES - filled, chunk.length - offset);
        part.set(chunk.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (!headChecked && filled >= HEAD_BYTES) {
          options.checkHead(part.subarray(0, filled));
          headChecked = true;
        }
        if (filled === PART_BYTES) {
          upload ??= await bucket.createMultipartUpload(key, metadata);
          parts.push(await upload.uploadPart(parts.length + 1, part));
          part = new Uint8Array(PART_BYTES);
          filled = 0;
        }
      }
    }
    if (!headChecked) options.checkHead(part.subarray(0, filled));
    await hashing.close();
    const sha256 = await hashed;
    if (!upload) {
      await bucket.put(key, part.subarray(0, filled), metadata);
    } else {
      if (filled > 0) parts.push(await upload.uploadPart(parts.length + 1, part.subarray(0, filled)));
      await upload.complete(parts);
    }
    return { bytes: total, sha256 };
  } catch (error) {
    await hashing.abort(error).catch(() => undefined);
    // An upload that was started and not completed holds its parts until aborted.
    if (upload) {
      const { uploadId } = upload;
      await upload.abort().catch((abortError: unknown) => {
        // R2 down for the abort too: the parts stay until R2's default rule drops incomplete uploads (after 7 days).
        console.error(
          JSON.stringify({ level: "error", msg: "failed upload's multipart upload not aborted", key, uploadId, error: String(abortError) }),
        );
      });
    }
    throw error;
  }
}
