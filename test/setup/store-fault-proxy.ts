/**
 * A loopback TCP proxy in front of the tests' PostgreSQL that cuts a
 * connection the moment its client sends a chosen statement: PostgreSQL's
 * side of "the store went away mid-request", as a network failure or a
 * failover does it, with no wrapper in the code under test. The Worker
 * tests reach it through a Hyperdrive binding of their own
 * (`failingStore` in test/helpers/failing-bindings.ts); every other
 * connection passes through untouched.
 *
 * The fault rides in the connection's `application_name`
 * (`fault.<id>.<base64url of a regular expression>.<cut|refuse>`), which the
 * proxy replaces before the server sees it. The first statement of that id
 * whose text matches (a simple query or an extended-protocol Parse) fails:
 * `cut` sends nothing more and destroys both sockets; `refuse` sends, in its
 * place, a statement naming a column that does not exist, with the same
 * parameters, so the server itself refuses it (42703) and the connection
 * lives on. Each id fails once. A client that opens with the line
 * `FAULTS <id>\n` instead of a startup message is told how many statements
 * that id has failed.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { takeOpening } from "../../scripts/pg-pool.ts";

interface Armed {
  match: RegExp;
  mode: "cut" | "refuse";
  failures: number;
}

export interface FaultProxy {
  port: number;
  stop(): Promise<void>;
}

/** The fault `spec` names, registered on first sight: the id's expression and how often it has fired. */
function armedFor(faults: Map<string, Armed>, spec: string): Armed | undefined {
  const [tag, id, pattern, mode] = spec.split(".");
  if (tag !== "fault" || !id || !pattern || (mode !== "cut" && mode !== "refuse")) return undefined;
  let armed = faults.get(id);
  if (!armed) {
    armed = { match: new RegExp(Buffer.from(pattern, "base64url").toString("utf8"), "i"), mode, failures: 0 };
    faults.set(id, armed);
  }
  return armed;
}

/** The startup message's parameters, and the message again with `application_name` replaced. */
function rewriteStartup(message: Buffer): { params: Map<string, string>; rewritten: Buffer } {
  const params = new Map<string, string>();
  const fields = message.subarray(8).toString("utf8").split("\0");
  for (let i = 0; i + 1 < fields.length && fields[i]; i += 2) params.set(fields[i]!, fields[i + 1]!);
  const kept = new Map(params);
  if (kept.has("application_name")) kept.set("application_name", "studyhall-tests");
  const body = Buffer.from(`${[...kept].map(([k, v]) => `${k}\0${v}\0`).join("")}\0`, "utf8");
  const rewritten = Buffer.alloc(8 + body.length);
  rewritten.writeInt32BE(rewritten.length, 0);
  message.copy(rewritten, 4, 4, 8);
  body.copy(rewritten, 8);
  return { params, rewritten };
}

/**
 * The message again with its statement replaced by one the server refuses as it parses it (an unknown
 * column), taking the same parameters so that their count is not what fails.
 */
function refused(type: number, body: Buffer, statement: string): Buffer {
  const count = Math.max(0, ...[...statement.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  const parameters = Array.from({ length: count }, (_, i) => `, $${i + 1}`).join("");
  const text = Buffer.from(`select "studyhall_refused_column"${parameters} from "lessons"\0`, "utf8");
  const [head, tail] =
    type === 0x50
      ? [body.subarray(0, body.indexOf(0) + 1), body.subarray(body.indexOf(0, body.indexOf(0) + 1) + 1)]
      : [Buffer.alloc(0), Buffer.alloc(0)];
  const message = Buffer.alloc(5 + head.length + text.length + tail.length);
  message[0] = type;
  message.writeInt32BE(message.length - 1, 1);
  Buffer.concat([head, text, tail]).copy(message, 5);
  return message;
}

/** The statement text a frontend message carries: a simple query's, or a Parse's; none for any other. */
function statementOf(type: number, body: Buffer): string | undefined {
  if (type === 0x51) return body.toString("utf8", 0, body.indexOf(0)); // 'Q': query\0
  if (type === 0x50) {
    // 'P': name\0 query\0 types…
    const nameEnd = body.indexOf(0);
    return body.toString("utf8", nameEnd + 1, body.indexOf(0, nameEnd + 1));
  }
  return undefined;
}

/**
 * @example
 * const proxy = await startFaultProxy({ host: "127.0.0.1", port: 5432 }, 6543);
 * await proxy.stop();
 */
export function startFaultProxy(target: { host: string; port: number }, port: number): Promise<FaultProxy> {
  const faults = new Map<string, Armed>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    let pending: Buffer = Buffer.alloc(0);
    let upstream: Socket | undefined;
    let armed: Armed | undefined;
    let started = false;

    const cut = () => {
      client.destroy();
      upstream?.destroy();
    };
    const open = (startup: Buffer) => {
      upstream = connect(target.port, target.host);
      sockets.add(upstream);
      upstream.on("close", () => {
        sockets.delete(upstream!);
        client.destroy();
      });
      upstream.on("error", cut);
      upstream.pipe(client);
      upstream.write(startup);
    };
    /** Forwards whole frontend messages, holding back a partial one, and cuts at the armed statement. */
    const relay = () => {
      let at = 0;
      while (pending.length - at >= 5) {
        const length = pending.readInt32BE(at + 1);
        if (pending.length - at < 1 + length) break;
        const type = pending[at]!;
        const statement = armed && armed.failures === 0 ? statementOf(type, pending.subarray(at + 5, at + 1 + length)) : undefined;
        if (statement !== undefined && armed!.match.test(statement)) {
          armed!.failures++;
          upstream!.write(pending.subarray(0, at));
          if (armed!.mode === "cut") return cut();
          upstream!.write(refused(type, pending.subarray(at + 5, at + 1 + length), statement));
          pending = pending.subarray(at + 1 + length);
          at = 0;
          continue;
        }
        at += 1 + length;
      }
      if (at > 0) upstream!.write(pending.subarray(0, at));
      pending = pending.subarray(at);
    };

    client.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (started) return relay();
      if (pending.subarray(0, 7).toString("latin1") === "FAULTS ") {
        const line = pending.indexOf(0x0a);
        if (line < 0) return;
        const id = pending.toString("utf8", 7, line).trim();
        client.end(`${faults.get(id)?.failures ?? 0}\n`);
        return;
      }
      const taken = takeOpening(client, pending);
      pending = taken.pending;
      if (!taken.startup) return;
      const { params, rewritten } = rewriteStartup(taken.startup.message);
      armed = armedFor(faults, params.get("application_name") ?? "");
      started = true;
      open(rewritten);
      relay();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () =>
      resolve({
        port,
        stop: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}
