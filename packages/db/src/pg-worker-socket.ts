/**
 * The TCP socket postgres.js talks through inside a Worker, from
 * `cloudflare:sockets`. postgres.js brings one of its own, but that one
 * rejects a promise nobody handles every time a connection closes
 * (porsager/postgres#1196, #1202): in a Worker that is an unhandled
 * rejection per request, and under the test runner a failed run. This one
 * reports a read error only while postgres.js still listens, and otherwise
 * ends quietly. Given to postgres.js as its `socket` option, it is connected
 * before it is returned, as that option requires.
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

export async function workerSocket(options: { host: string[]; port: number[] }) {
  const { connect } = (await import(/* @vite-ignore */ SOCKETS_MODULE)) as { connect(address: string): WorkerSocket };
  const raw = connect(`${options.host[0]}:${options.port[0]}`);
  await raw.opened;
  const writer = raw.writable.getWriter();
  const reader = raw.readable.getReader();
  let closed = false;
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

  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        socket.emit("data", Buffer.from(value));
      }
    } catch (error) {
      failed(error);
    }
    close();
  })();
  raw.closed.then(close, (error: unknown) => {
    failed(error);
    close();
  });

  function write(data: Uint8Array, done?: () => void): boolean {
    writer.write(data).then(() => done?.(), failed);
    return true;
  }
  function end(data?: Uint8Array): void {
    (data ? writer.write(data) : Promise.resolve()).then(shut, shut);
  }
  function destroy(): void {
    void shut();
    close();
  }
  return socket;
}
