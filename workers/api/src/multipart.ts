/**
 * A streaming reader of `multipart/form-data` (RFC 7578, framed as RFC 2046
 * says): parts come one at a time, each part's body as chunks while the
 * request is still arriving, so a file part can go to storage without the
 * body ever being held in memory. Memory is bounded by one network chunk plus
 * a delimiter's length; headers, the preamble and the number of parts have
 * their own small limits, and a body that ends before its closing boundary is
 * an error, never a short file.
 */
import { ProblemError } from "@studyhall/core";

export interface PartHeaders {
  name: string;
  filename?: string;
  contentType?: string;
}

export interface MultipartLimits {
  /** Longest header block of one part, bytes. */
  maxHeaderBytes: number;
  /** Most parts in one body. */
  maxParts: number;
  /** Longest preamble before the first boundary, bytes. */
  maxPreambleBytes: number;
}

const DEFAULT_LIMITS: MultipartLimits = { maxHeaderBytes: 8 * 1024, maxParts: 16, maxPreambleBytes: 4 * 1024 };
const CR = 13;
const LF = 10;
const DASH = 45;
const HEADER_END = new Uint8Array([CR, LF, CR, LF]);

const malformed = (detail: string) => new ProblemError("bad-request", { detail: `The multipart body is malformed: ${detail}` });

/**
 * The boundary of a `multipart/form-data` Content-Type, quoted or not.
 * @example boundaryOf('multipart/form-data; boundary="a b"') // "a b"
 */
export function boundaryOf(contentType: string): string {
  const match = /;\s*boundary\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(contentType);
  const boundary = match ? (match[1]?.replace(/\\(.)/g, "$1") ?? match[2]) : undefined;
  // RFC 2046: 1 to 70 characters, not ending in a space.
  if (!boundary || boundary.length > 70 || boundary.endsWith(" ")) {
    throw new ProblemError("bad-request", {
      detail: "A multipart/form-data upload needs a boundary of 1 to 70 characters in its Content-Type.",
    });
  }
  return boundary;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0]!;
  for (let i = haystack.indexOf(first, from); i !== -1 && i + needle.length <= haystack.length; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** Parameters of a Content-Disposition value: quoted strings unescaped, `filename*` (RFC 5987) decoded. */
function dispositionOf(value: string): { type: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  const type = value.split(";", 1)[0]!.trim().toLowerCase();
  for (const m of value.matchAll(/;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
    const key = m[1]!.toLowerCase();
    let v = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!.trim();
    if (key.endsWith("*")) {
      const ext = /^[\w-]+'[^']*'(.*)$/.exec(v);
      try {
        v = ext ? decodeURIComponent(ext[1]!) : v;
      } catch {
        continue;
      }
    }
    params.set(key, v);
  }
  return { type, params };
}

function partHeaders(block: string): PartHeaders {
  const fields = new Map<string, string>();
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = fields.get("content-disposition");
  if (!disposition) throw malformed("a part has no Content-Disposition.");
  const { type, params } = dispositionOf(disposition);
  const name = params.get("name");
  if (type !== "form-data" || !name) throw malformed("every part must be Content-Disposition: form-data with a name.");
  return { name, filename: params.get("filename*") ?? params.get("filename"), contentType: fields.get("content-type") };
}

/**
 * Reads parts in order; a part's body must be read (or is skipped) before the next part.
 * @example
 * const form = new MultipartReader(request.body, boundaryOf(type));
 * for (let part; (part = await form.nextPart()); ) if (part.name === "file") await store(form.body());
 */
export class MultipartReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  /** CRLF "--" boundary: what ends every part. */
  private readonly delimiter: Uint8Array;
  private readonly limits: MultipartLimits;
  // The first delimiter may open the body, with no line before it: a virtual CRLF makes it look like the rest.
  private buffer = new Uint8Array([CR, LF]);
  private state: "preamble" | "body" | "between" | "done" = "preamble";
  private parts = 0;

  constructor(body: ReadableStream<Uint8Array>, boundary: string, limits: Partial<MultipartLimits> = {}) {
    this.reader = body.getReader();
    this.delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Appends the next network chunk to the buffer; false once the body has ended. */
  private async fill(): Promise<boolean> {
    const next = await this.reader.read();
    if (next.done) return false;
    const joined = new Uint8Array(this.buffer.length + next.value.length);
    joined.set(this.buffer);
    joined.set(next.value, this.buffer.length);
    this.buffer = joined;
    return true;
  }

  private async ensure(bytes: number, what: string): Promise<void> {
    while (this.buffer.length < bytes) if (!(await this.fill())) throw malformed(`it ended ${what}.`);
  }

  /** The next part's headers, or null after the closing boundary. */
  async nextPart(): Promise<PartHeaders | null> {
    if (this.state === "preamble") await this.skipPreamble();
    if (this.state === "body") for await (const _ of this.body());
    if (this.state === "done") return null;
    await this.ensure(2, "after a boundary");
    if (this.buffer[0] === DASH && this.buffer[1] === DASH) {
      // The close delimiter; whatever follows (an epilogue) is not ours to read.
      this.state = "done";
      await this.reader.cancel().catch(() => undefined);
      return null;
    }
    if (++this.parts > this.limits.maxParts) throw malformed(`it has more than ${this.limits.maxParts} parts.`);
    const tooLong = () => malformed(`a part's headers are longer than ${this.limits.maxHeaderBytes} bytes.`);
    let end = indexOf(this.buffer, HEADER_END);
    while (end === -1) {
      if (this.buffer.length > this.limits.maxHeaderBytes) throw tooLong();
      if (!(await this.fill())) throw malformed("it ended inside a part's headers.");
      end = indexOf(this.buffer, HEADER_END);
    }
    if (end > this.limits.maxHeaderBytes) throw tooLong();
    // The boundary line may carry transport padding (spaces, tabs) before its CRLF.
    const line = indexOf(this.buffer, new Uint8Array([CR, LF]));
    if (!/^[ \t]*$/.test(new TextDecoder().decode(this.buffer.subarray(0, line))))
      throw malformed("a boundary line has more than the boundary on it.");
    const block = end === line ? "" : new TextDecoder().decode(this.buffer.subarray(line + 2, end));
    this.buffer = this.buffer.subarray(end + HEADER_END.length);
    this.state = "body";
    return partHeaders(block);
  }

  private async skipPreamble(): Promise<void> {
    let discarded = 0;
    for (;;) {
      const at = indexOf(this.buffer, this.delimiter);
      if (at !== -1) {
        this.buffer = this.buffer.subarray(at + this.delimiter.length);
        this.state = "between";
        return;
      }
      const drop = Math.max(0, this.buffer.length - (this.delimiter.length - 1));
      discarded += drop;
      this.buffer = this.buffer.subarray(drop);
      if (discarded > this.limits.maxPreambleBytes) throw malformed("no boundary line opens it.");
      if (!(await this.fill())) throw malformed("it has no boundary line.");
    }
  }

  /** The current part's body, chunk by chunk, as it arrives. */
  async *body(): AsyncGenerator<Uint8Array> {
    if (this.state !== "body") return;
    for (;;) {
      const at = indexOf(this.buffer, this.delimiter);
      if (at !== -1) {
        const last = this.buffer.subarray(0, at);
        this.buffer = this.buffer.subarray(at + this.delimiter.length);
        this.state = "between";
        if (last.length) yield last;
        return;
      }
      // Everything but a possible start of the delimiter is body already.
      const safe = this.buffer.length - (this.delimiter.length - 1);
      if (safe > 0) {
        const chunk = this.buffer.subarray(0, safe);
        this.buffer = this.buffer.subarray(safe);
        yield chunk;
      }
      if (!(await this.fill())) throw malformed("it ended before its closing boundary.");
    }
  }

  /** The current part's body as UTF-8 text, refusing one longer than `maxBytes`. */
  async text(name: string, maxBytes: number): Promise<string> {
    const chunks: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of this.body()) {
      length += chunk.length;
      if (length > maxBytes)
        throw new ProblemError("payload-too-large", { detail: `The form field "${name}" is longer than ${maxBytes} bytes.` });
      chunks.push(chunk);
    }
    const bytes = new Uint8Array(length);
    let offset = 0;
    for (const c of chunks) {
      bytes.set(c, offset);
      offset += c.length;
    }
    return new TextDecoder().decode(bytes);
  }

  /** Stops reading the request (after a refusal): the rest of the body is never pulled. */
  async cancel(): Promise<void> {
    this.state = "done";
    await this.reader.cancel().catch(() => undefined);
  }
}
