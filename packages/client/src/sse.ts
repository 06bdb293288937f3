/**
 * Server-Sent Events read from a fetch response, so a job can be followed
 * with the bearer token in a header (the browser's EventSource cannot send
 * one) and in Node or a worker alike. Follows the WHATWG event-stream rules:
 * `field: value` lines, `:` comments, CRLF / LF / CR line ends, several
 * `data` lines joined with "\n", an event dispatched at a blank line only if
 * it carried data.
 */

export interface SseEvent {
  /** `message` when the server named none. */
  event: string;
  data: string;
  /** The last event id seen on the stream so far. */
  id: string | undefined;
}

/**
 * The events of an open `text/event-stream` response, as they arrive; the
 * reader is released when the loop ends early.
 *
 * @example
 * for await (const event of readSse(response)) if (event.event === "end") break;
 */
export async function* readSse(response: Response): AsyncGenerator<SseEvent> {
  if (!response.body) return;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let lastId: string | undefined;
  let pendingCr = false;

  const take = (line: string): SseEvent | undefined => {
    if (line === "") {
      const done = data.length > 0 ? { event: event || "message", data: data.join("\n"), id: lastId } : undefined;
      event = "";
      data = [];
      return done;
    }
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) lastId = value;
    return undefined;
  };

  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      // A CR that ended the previous chunk already ended its line; a LF right after it belongs to it.
      if (pendingCr && buffer.startsWith("\n")) buffer = buffer.slice(1);
      pendingCr = false;
      for (let match = /\r\n|\r|\n/.exec(buffer); match; match = /\r\n|\r|\n/.exec(buffer)) {
        const line = buffer.slice(0, match.index);
        if (match[0] === "\r" && match.index === buffer.length - 1) pendingCr = true;
        buffer = buffer.slice(match.index + match[0].length);
        const complete = take(line);
        if (complete) yield complete;
      }
    }
    // A stream that ends without a blank line drops its unfinished event, as browsers do.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
