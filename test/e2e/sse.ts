/**
 * A small Server-Sent Events reader over fetch, following the WHATWG event
 * stream rules the tests depend on: `field: value` lines (one optional space
 * after the colon), comment lines starting with `:`, any of CRLF / LF / CR as
 * line ends, several `data` lines joined with "\n", and an event dispatched
 * at a blank line only if it carried data.
 */

export interface SseEvent {
  /** `message` when the server named none. */
  event: string;
  data: string;
  /** The last event id seen so far on the stream, as a client would resend it. */
  id: string | undefined;
}

/**
 * The events of an open `text/event-stream` response, as they arrive.
 *
 * @example
 * for await (const e of readSse(await fetch(url))) if (e.event === "end") break;
 */
export async function* readSse(response: Response): AsyncGenerator<SseEvent> {
  if (!response.body) throw new Error("the response has no body");
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let lastId: string | undefined;
  let pendingCr = false;

  function* take(line: string): Generator<SseEvent> {
    if (line === "") {
      if (data.length > 0) yield { event: event || "message", data: data.join("\n"), id: lastId };
      event = "";
      data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) lastId = value;
    // `retry` and unknown fields change nothing a test reads.
  }

  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      // A CR at the end of the previous chunk already ended a line; a LF right after it belongs to it.
      if (pendingCr && buffer.startsWith("\n")) buffer = buffer.slice(1);
      pendingCr = false;
      let match: RegExpExecArray | null;
      while ((match = /\r\n|\r|\n/.exec(buffer))) {
        const line = buffer.slice(0, match.index);
        if (match[0] === "\r" && match.index === buffer.length - 1) pendingCr = true;
        buffer = buffer.slice(match.index + match[0].length);
        yield* take(line);
      }
    }
  } finally {
    // The caller may stop early (after `end`): close the connection rather than leave it open.
    await reader.cancel().catch(() => {});
  }
  // A stream that ends without a blank line drops its unfinished event, as browsers do.
}
