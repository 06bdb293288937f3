/**
 * The TCP socket postgres.js talks through inside a Worker, from
 * `cloudflare:sockets`. postgres.js brings one of its own, but that one
 * rejects a promise nobody handles every time a connection closes
 * (porsager/postgres#1196, #1202): in a Worker that is an unhandled
 * rejection per request, and under the test runner a failed run. This one
 * reports a read error only while postgres.js still listens, and otherwise
 * ends quietly. Given to postgres.js as its `socket` option, it is connected
 * before it is returned, as that option requires.
 *
 * A connection the far end drops (the server, the network, Hyperdrive) is
 * reported first as an error, which fails what is in flight, and only a
 * moment later as a close. Told of the close at once, postgres.js clears its
 * socket while a transaction's own ROLLBACK is still to be written, and that
 * write throws where nothing can catch it (porsager/postgres#1208), which in
 * a Worker leaves the request with no answer at all. In between, a write
 * fails as the connection's error; after the close postgres.js connects
 * afresh for its next statement, as it always did.
 */
import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";

interface WorkerSocket {
  readonly opened: Promise<unknown>;
  readonly closed: Promise<void>;
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  close(): Promise<void>;
}

// By name at run time: the module exists only in workerd, and this file is also loaded in Node.
const SOCKETS_MODULE = "cloudflare:sockets";
/** How long a lost connection reports only as an error before its close (see above). */
const CLOSE_AFTER_LOSS_MS = 10;

export async function workerSocket(options: { host: string[]; port: number[] }) {
  const { connect } = (await import(/* @vite-ignore */ SOCKETS_MODULE)) as { connect(address: string): WorkerSocket };
  const raw = connect(`${options.host[0]}:${options.port[0]}`);
  await raw.opened;
  const writer = raw.writable.getWriter();
  const reader = raw.readable.getReader();
  let closed = false;
  /** postgres.js asked for the end (`end`, `destroy`): then the socket closing is simply its close. */
  let ending = false;
  /** Why the far end is gone, once it is. */
  let lost: Error | undefined;
  const socket = Object.assign(new EventEmitter(), { readyState: "open", write, end, destroy });

  const failed = (error: unknown) => {
    if (!closed && socket.listenerCount("error")) socket.emit("error", error);
  };
  const close = () => {
    if (closed) return;
    closed = true;
    socket.readyState = "closed";
    socket.emit("close");
  };
  const shut = () => raw.close().catch(() => undefined);
  const gone = (cause?: unknown) => {
    if (ending) return close();
    if (lost) return;
    lost = Object.assign(new Error("The database connection was closed.", { cause }), { code: "CONNECTION_CLOSED" });
    failed(lost);
    // After the writes the failure sets off (a transaction's ROLLBACK goes out on the next turn) have failed too.
    setTimeout(close, CLOSE_AFTER_LOSS_MS);
  };

  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        socket.emit("data", Buffer.from(value));
      }
      gone();
    } catch (error) {
      gone(error);
    }
  })();
  raw.closed.then(
    () => gone(),
    (error: unknown) => gone(error),
  );

  function write(data: Uint8Array, done?: () => void): boolean {
    if (lost) {
      const error = lost;
      queueMicrotask(() => failed(error));
      return true;
    }
    writer.write(data).then(() => done?.(), gone);
    return true;
  }
  function end(data?: Uint8Array): void {
    ending = true;
    if (lost) {
      void shut();
      close();
      return;
    }
    (data ? writer.write(data) : Promise.resolve()).then(shut, shut);
  }
  function destroy(): void {
    ending = true;
    void shut();
    close();
  }
  return socket;
}
