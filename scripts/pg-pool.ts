/**
 * A loopback connection pool in front of a local PostgreSQL, standing in for
 * Hyperdrive's: a Worker opens a connection per request, and Hyperdrive hands
 * it a server connection it already holds, where locally each would start a
 * server process of its own (about 20 ms on the development machine, against
 * a fraction of a millisecond for a statement).
 *
 * Session pooling, the safe kind: a client has one server connection to
 * itself from its startup to its end. When it ends with the server idle
 * (every statement answered, no transaction open), the connection is reset
 * (`DISCARD ALL`: settings, prepared statements, temporary tables, advisory
 * locks) and kept for the next client of the same user and database; a client
 * that goes away with anything in flight or a transaction open takes its
 * server connection with it, so the server rolls that transaction back, as
 * when a Worker dies mid-request. Only servers that trust loopback
 * connections (the private clusters of scripts/postgres.ts) can be pooled:
 * a reused connection's client is greeted with the server's first answer.
 *
 * @example
 * const pool = await startPgPool({ host: "127.0.0.1", port: 5432 }, 0); // 0: any free port, then pool.port
 * await pool.stop();
 */
import { connect, createServer, type Socket } from "node:net";

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** Idle server connections kept per user and database; more are ended as their clients end. */
const IDLE_PER_KEY = 16;

export interface PgPool {
  port: number;
  stop(): Promise<void>;
}

interface Server {
  socket: Socket;
  /** What the server answered the startup with, up to its first ReadyForQuery: the greeting of every later client. */
  greeting: Buffer;
}

/** Whole protocol messages (a type byte and a length) from a byte stream, holding back a partial one. */
function framer(onMessage: (type: number, message: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let at = 0;
    while (pending.length - at >= 5) {
      const end = at + 1 + pending.readInt32BE(at + 1);
      if (pending.length < end) break;
      onMessage(pending[at]!, pending.subarray(at, end));
      at = end;
    }
    pending = pending.subarray(at);
  };
}

/**
 * Reads a new connection's opening from what it has sent so far (`pending`), refusing a request for
 * encryption with "N" (none on loopback: the client then sends its startup message in the clear). Hands back
 * what is left to read, and the startup message (or cancel request, by its code) once it is whole.
 */
export function takeOpening(client: Socket, pending: Buffer): { pending: Buffer; startup?: { code: number; message: Buffer } } {
  if (pending.length < 8) return { pending };
  const length = pending.readInt32BE(0);
  if (pending.length < length) return { pending };
  const code = pending.readInt32BE(4);
  if (code === SSL_REQUEST || code === GSS_REQUEST) {
    client.write("N");
    return { pending: pending.subarray(length) };
  }
  return { pending: pending.subarray(length), startup: { code, message: pending.subarray(0, length) } };
}

const simpleQuery = (text: string): Buffer => {
  const body = Buffer.from(`${text}\0`, "utf8");
  const message = Buffer.alloc(5 + body.length);
  message[0] = 0x51;
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return message;
};
const DISCARD_ALL = simpleQuery("DISCARD ALL");

/** The user and database a startup message names: the pool's key. */
function keyOf(startup: Buffer): string {
  const fields = startup.subarray(8).toString("utf8").split("\0");
  const params = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length && fields[i]; i += 2) params.set(fields[i]!, fields[i + 1]!);
  const user = params.get("user") ?? "";
  return `${user}\0${params.get("database") ?? user}`;
}

export function startPgPool(target: { host: string; port: number }, port: number): Promise<PgPool> {
  const idle = new Map<string, Server[]>();
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    // Messages are passed on one by one: Nagle's algorithm would hold each after the first for the peer's delayed ACK.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    return socket;
  };

  /** A server connection's startup, answered up to its first ReadyForQuery (or its refusal, handed to the client as is). */
  const openServer = (startup: Buffer): Promise<{ server?: Server; refusal?: Buffer }> =>
    new Promise((resolve) => {
      const socket = track(connect(target.port, target.host));
      const seen: Buffer[] = [];
      let trusted = false;
      const onData = framer((type, message) => {
        seen.push(message);
        // AuthenticationOk straight away: the server trusts this connection, so its greeting can be replayed.
        if (type === 0x52 && message.readInt32BE(5) === 0) trusted = true;
        if (type === 0x45 || (type === 0x52 && message.readInt32BE(5) !== 0)) {
          socket.removeListener("data", onData);
          socket.destroy();
          resolve({ refusal: Buffer.concat(seen) });
        } else if (type === 0x5a) {
          socket.removeListener("data", onData);
          resolve(trusted ? { server: { socket, greeting: Buffer.concat(seen) } } : { refusal: Buffer.concat(seen) });
        }
      });
      socket.on("data", onData);
      socket.once("close", () => resolve({}));
      socket.write(startup);
    });

  /** Resets a server connection a client left idle and keeps it, or ends it when it cannot be trusted again. */
  const giveBack = (key: string, server: Server) => {
    const kept = idle.get(key) ?? [];
    if (kept.length >= IDLE_PER_KEY || server.socket.destroyed) return server.socket.destroy();
    let failed = false;
    const onData = framer((type, message) => {
      if (type === 0x45) failed = true;
      if (type !== 0x5a) return;
      server.socket.removeListener("data", onData);
      if (failed || message[5] !== 0x49) return server.socket.destroy();
      const list = idle.get(key) ?? [];
      list.push(server);
      idle.set(key, list);
    });
    server.socket.on("data", onData);
    server.socket.write(DISCARD_ALL);
  };

  const take = (key: string): Server | undefined => {
    const list = idle.get(key);
    while (list?.length) {
      const server = list.pop()!;
      if (!server.socket.destroyed) return server;
    }
    return undefined;
  };

  /** `client` arrives paused, so nothing it sends while its server is found is lost. */
  const serve = async (client: Socket, startup: Buffer, early: Buffer) => {
    const key = keyOf(startup);
    let server = take(key);
    if (!server) {
      const opened = await openServer(startup);
      if (!opened.server) {
        if (opened.refusal) client.end(opened.refusal);
        else client.destroy();
        return;
      }
      server = opened.server;
    }
    if (client.destroyed) return giveBack(key, server);
    client.write(server.greeting);
    const { socket } = server;
    // Until every statement the client sent is answered and no transaction is open, its server cannot be shared.
    let awaiting = 0;
    let unsynced = false;
    let idleNow = true;
    let ended = false;
    const end = (reusable: boolean) => {
      if (ended) return;
      ended = true;
      socket.removeListener("data", fromServer);
      socket.removeListener("close", onServerClose);
      if (reusable && awaiting === 0 && !unsynced && idleNow) giveBack(key, server!);
      else socket.destroy();
      client.destroy();
    };
    const fromServer = framer((type, message) => {
      if (type === 0x5a) {
        awaiting = Math.max(0, awaiting - 1);
        idleNow = message[5] === 0x49;
      }
      client.write(message);
    });
    const fromClient = framer((type, message) => {
      if (type === 0x58) return end(true); // Terminate: the session is over, the server connection is not.
      if (type === 0x51 || type === 0x53) {
        awaiting++;
        unsynced = false;
      } else unsynced = true;
      socket.write(message);
    });
    const onServerClose = () => end(false);
    socket.on("data", fromServer);
    socket.once("close", onServerClose);
    client.on("data", fromClient);
    client.once("close", () => end(true));
    if (early.length) fromClient(early);
    client.resume();
  };

  const listener = createServer((client) => {
    track(client);
    let pending: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const taken = takeOpening(client, pending);
      pending = taken.pending;
      if (!taken.startup) return;
      client.removeListener("data", onData);
      client.pause();
      const { message: startup, code } = taken.startup;
      const early = pending;
      if (code === CANCEL_REQUEST) {
        // It names the server process by the key its greeting gave: the server itself can act on it.
        const cancel = track(connect(target.port, target.host));
        cancel.end(startup);
        client.end();
        return;
      }
      void serve(client, startup, early);
    };
    client.on("data", onData);
  });

  return new Promise((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(port, "127.0.0.1", () =>
      resolve({
        port: (listener.address() as { port: number }).port,
        stop: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            idle.clear();
            listener.close(() => done());
          }),
      }),
    );
  });
}
