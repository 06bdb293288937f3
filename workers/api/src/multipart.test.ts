/** The streaming multipart reader gives the same parts however the body is cut into chunks, and refuses malformed framing. */

import { ProblemError } from "@studyhall/core";
import { describe, expect, it } from "vitest";
import { boundaryOf, MultipartReader } from "./multipart.ts";

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);

/** A body cut at the given offsets, each piece one network chunk. */
function streamOf(body: Uint8Array, cuts: number[] = []): ReadableStream<Uint8Array> {
  const edges = [0, ...cuts, body.length];
  const chunks = edges.slice(1).map((end, i) => body.slice(edges[i], end));
  return new ReadableStream({
    pull(controller) {
      const next = chunks.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
  });
}

interface ReadPart {
  name: string;
  filename?: string;
  contentType?: string;
  body: string;
}

async function readAll(stream: ReadableStream<Uint8Array>, boundary: string): Promise<ReadPart[]> {
  const reader = new MultipartReader(stream, boundary);
  const parts: ReadPart[] = [];
  for (let part = await reader.nextPart(); part; part = await reader.nextPart()) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of reader.body()) chunks.push(chunk.slice());
    parts.push({ ...part, body: new TextDecoder().decode(Uint8Array.from(chunks.flatMap((c) => [...c]))) });
  }
  return parts;
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as ProblemError,
  );

const B = "----studyhallBoundary7MA4YWxk";
const form = [
  `--${B}\r\nContent-Disposition: form-data; name="title"\r\n\r\nTracing JITs\r\n`,
  `--${B}\r\nContent-Disposition: form-data; name="file"; filename="paper.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
  // Content that looks like framing without being it: a CRLF, a line starting like the delimiter, a trailing CRLF.
  `%PDF-1.7\r\n--${B.slice(0, -1)}X not the boundary\r\n\r\n--\r\nend of file\r\n`,
  `\r\n--${B}\r\nContent-Disposition: form-data; name="generate"\r\n\r\nfalse`,
  `\r\n--${B}--\r\n`,
].join("");
const expected: ReadPart[] = [
  { name: "title", filename: undefined, contentType: undefined, body: "Tracing JITs" },
  {
    name: "file",
    filename: "paper.pdf",
    contentType: "application/pdf",
    body: `%PDF-1.7\r\n--${B.slice(0, -1)}X not the boundary\r\n\r\n--\r\nend of file\r\n`,
  },
  { name: "generate", filename: undefined, contentType: undefined, body: "false" },
];

describe("multipart framing, chunk by chunk", () => {
  it("reads fields before and after the file, the file's own CRLFs and delimiter look-alikes kept", async () => {
    expect(await readAll(streamOf(bytes(form)), B)).toEqual(expected);
  });

  it("gives the same parts wherever a chunk boundary falls, inside a delimiter, a CRLF or a header", async () => {
    const body = bytes(form);
    for (let cut = 1; cut < body.length; cut++) expect(await readAll(streamOf(body, [cut]), B)).toEqual(expected);
    expect(
      await readAll(
        streamOf(
          body,
          Array.from({ length: body.length - 1 }, (_, i) => i + 1),
        ),
        B,
      ),
    ).toEqual(expected);
  });

  it("accepts a preamble before the first boundary, padding after a boundary and an epilogue after the last", async () => {
    const body = `This is the preamble.\r\n--${B} \t\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--${B}--  \r\nepilogue, ignored`;
    expect(await readAll(streamOf(bytes(body)), B)).toEqual([{ name: "a", filename: undefined, contentType: undefined, body: "1" }]);
  });

  it("reads quoted and unquoted boundaries from the Content-Type", async () => {
    expect(boundaryOf(`multipart/form-data; boundary=${B}`)).toBe(B);
    expect(boundaryOf('multipart/form-data; charset=utf-8; Boundary="with space:and=equals"')).toBe("with space:and=equals");
    const quoted = "with space:and=equals";
    const body = `--${quoted}\r\nContent-Disposition: form-data; name="x"\r\n\r\nv\r\n--${quoted}--`;
    expect(await readAll(streamOf(bytes(body)), boundaryOf(`multipart/form-data; boundary="${quoted}"`))).toEqual([
      { name: "x", filename: undefined, contentType: undefined, body: "v" },
    ]);
    for (const bad of ["multipart/form-data", "multipart/form-data; boundary=", `multipart/form-data; boundary=${"x".repeat(71)}`]) {
      expect(() => boundaryOf(bad)).toThrow(ProblemError);
    }
  });

  it("decodes a UTF-8 file name, and prefers filename* (RFC 5987)", async () => {
    const body = `--${B}\r\nContent-Disposition: form-data; name="file"; filename="na\\"ive.pdf"; filename*=UTF-8''na%C3%AFve%20%E2%82%AC.pdf\r\n\r\n%PDF\r\n--${B}--`;
    const [part] = await readAll(streamOf(bytes(body)), B);
    expect(part!.filename).toBe("naïve €.pdf");
  });
});

describe("malformed bodies are refused, never read as shorter parts", () => {
  const refusal = async (body: string, pattern: RegExp) => {
    const error = await failure(readAll(streamOf(bytes(body), [Math.floor(body.length / 2)]), B));
    expect(error).toBeInstanceOf(ProblemError);
    expect(error).toMatchObject({ status: 400 });
    expect(error!.detail).toMatch(pattern);
  };

  it("a body that never ends its last part", async () => {
    await refusal(
      `--${B}\r\nContent-Disposition: form-data; name="file"\r\n\r\n%PDF-1.7 and then the connection stops`,
      /closing boundary/,
    );
    await refusal(`--${B}\r\nContent-Disposition: form-data; name="file"\r\n\r\n%PDF-1.7\r\n--${B}`, /after a boundary/);
  });

  it("a body with no boundary at all, and one cut inside a part's headers", async () => {
    await refusal("just some bytes, no framing", /no boundary line/);
    await refusal(`--${B}\r\nContent-Disposition: form-da`, /inside a part's headers/);
  });

  it("a part without a name, or without Content-Disposition", async () => {
    await refusal(`--${B}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--${B}--`, /with a name/);
    await refusal(`--${B}\r\n\r\nx\r\n--${B}--`, /no Content-Disposition/);
  });

  it("headers over their limit, and more parts than allowed", async () => {
    await refusal(
      `--${B}\r\nContent-Disposition: form-data; name="a"\r\nX-Padding: ${"p".repeat(9000)}\r\n\r\nx\r\n--${B}--`,
      /headers are longer/,
    );
    const many = `${Array.from({ length: 17 }, (_, i) => `--${B}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\n${i}\r\n`).join("")}--${B}--`;
    await refusal(many, /more than 16 parts/);
  });

  it("a text field longer than its limit", async () => {
    const reader = new MultipartReader(
      streamOf(bytes(`--${B}\r\nContent-Disposition: form-data; name="title"\r\n\r\n${"t".repeat(5000)}\r\n--${B}--`)),
      B,
    );
    await reader.nextPart();
    expect(await failure(reader.text("title", 4096))).toMatchObject({
      status: 413,
      detail: expect.stringMatching(/"title" is longer than 4096 bytes/),
    });
  });
});
