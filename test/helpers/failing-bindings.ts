/**
 * The real bindings, with one chosen call failing the way the platform fails
 * it: D1 (and its Sessions API sessions), an R2 bucket (a stream put or a
 * multipart part that breaks partway), a KV namespace and a queue producer.
 * Everything else passes through to the real binding, so the code under test
 * talks to exactly what it talks to in production, through the same calls.
 *
 * Each wrapper takes a predicate saying which call fails, and counts the calls
 * it failed, so a test can tell that the fault was really met.
 * @example
 * const db = failingD1(env.DB, { when: (sql) => sql.some((q) => /insert into "documents"/i.test(q)) });
 * await api.fetch(request, envWith({ DB: db.binding }), ctx);
 * expect(db.failures).toBe(1);
 */

import { connect } from "cloudflare:sockets";

/** What D1 answers while it cannot be reached: workerd's D1 binding prefixes its errors so. */
export const d1Outage = () => new Error("D1_ERROR: Network connection lost.", { cause: new Error("Network connection lost.") });
/** What R2 answers on an internal failure (its error code 10001). */
export const r2Outage = () => new Error("put: We encountered an internal error. Please try again. (10001)");
/** What KV answers while it cannot be reached. */
export const kvOutage = () => new Error("KV GET failed: 503 Service Unavailable");
/** What a queue producer answers when the send is refused. */
export const queueOutage = () => new Error("Queue send failed: internal error");

export interface Fault<T> {
  binding: T;
  /** How many calls were made to fail. */
  failures: number;
}

/** Forwards every other property to the real object, with its methods bound to it (native bindings need their own `this`). */
function forward<T extends object>(target: T, override: (property: PropertyKey) => unknown): T {
  return new Proxy(target, {
    get(t, property) {
      const replaced = override(property);
      if (replaced !== undefined) return replaced;
      const value = Reflect.get(t, property, t);
      return typeof value === "function" ? value.bind(t) : value;
    },
  });
}

export interface D1FaultOptions {
  /** Which execution fails, by the SQL it runs (a batch: every statement's, in order). */
  when: (sql: string[]) => boolean;
  error?: () => Error;
}

/**
 * D1 failing the executions `when` picks (a statement's run/all/first/raw, or a whole batch) with `error` (an
 * outage by default), through `withSession` too, as the API opens it per request.
 */
export function failingD1(real: D1Database, options: D1FaultOptions): Fault<D1Database> {
  const error = options.error ?? d1Outage;
  const fault: Fault<D1Database> = { binding: real, failures: 0 };
  // D1's batch takes only its own statements: remember the real one behind each wrapper.
  const unwrapped = new WeakMap<object, D1PreparedStatement>();
  const sqlOf = new WeakMap<object, string>();
  const check = (sql: string[]) => {
    if (!options.when(sql)) return;
    fault.failures++;
    throw error();
  };
  const statement = (real: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const wrapped = forward(real, (property) => {
      if (property === "bind") return (...values: unknown[]) => statement(real.bind(...values), sql);
      if (property === "run" || property === "all" || property === "first" || property === "raw")
        return async (...args: unknown[]) => {
          check([sql]);
          return (real[property] as (...a: unknown[]) => Promise<unknown>).apply(real, args);
        };
      return undefined;
    });
    unwrapped.set(wrapped, real);
    sqlOf.set(wrapped, sql);
    return wrapped;
  };
  const database = <D extends D1Database | D1DatabaseSession>(real: D): D =>
    forward(real, (property) => {
      if (property === "prepare") return (sql: string) => statement(real.prepare(sql), sql);
      if (property === "batch")
        return async (statements: D1PreparedStatement[]) => {
          check(statements.map((s) => sqlOf.get(s) ?? ""));
          return real.batch(statements.map((s) => unwrapped.get(s) ?? s));
        };
      if (property === "withSession" && "withSession" in real)
        return (constraint?: string) => database((real as D1Database).withSession(constraint));
      return undefined;
    });
  fault.binding = database(real);
  return fault;
}

export interface R2FaultOptions {
  /** A stream `put` reads this many bytes of its body, then fails: nothing is stored. */
  putFailsAfterBytes?: number;
  /** This part of a multipart upload (1-based) fails; the parts before it were really uploaded. */
  failPart?: number;
}

/** The real bucket, with a stream put or one multipart part failing partway; `uploads` lists the multipart uploads begun through it. */
export function failingBucket(real: R2Bucket, options: R2FaultOptions): Fault<R2Bucket> & { uploads: { key: string; uploadId: string }[] } {
  const fault = { binding: real, failures: 0, uploads: [] as { key: string; uploadId: string }[] };
  const failPut = async (body: ReadableStream<Uint8Array>, after: number) => {
    const reader = body.getReader();
    for (let read = 0; read < after; ) {
      const next = await reader.read();
      if (next.done) break;
      read += next.value.length;
    }
    fault.failures++;
    const failure = r2Outage();
    await reader.cancel(failure).catch(() => undefined);
    throw failure;
  };
  fault.binding = forward(real, (property) => {
    if (property === "put" && options.putFailsAfterBytes !== undefined)
      return (key: string, value: unknown, putOptions?: R2PutOptions) =>
        value instanceof ReadableStream ? failPut(value, options.putFailsAfterBytes!) : real.put(key, value as Blob, putOptions);
    if (property === "createMultipartUpload" && options.failPart !== undefined)
      return async (key: string, uploadOptions?: R2MultipartOptions) => {
        const upload = await real.createMultipartUpload(key, uploadOptions);
        fault.uploads.push({ key, uploadId: upload.uploadId });
        return forward(upload, (method) => {
          if (method !== "uploadPart") return undefined;
          return async (part: number, value: Uint8Array) => {
            if (part !== options.failPart) return upload.uploadPart(part, value);
            fault.failures++;
            throw new Error("uploadPart: We encountered an internal error. Please try again. (10001)");
          };
        });
      };
    return undefined;
  });
  return fault;
}

/** The real namespace with every `get` failing (a KV outage on the read path); writes pass through. */
export function failingKv(real: KVNamespace): Fault<KVNamespace> {
  const fault: Fault<KVNamespace> = { binding: real, failures: 0 };
  fault.binding = forward(real, (property) => {
    if (property !== "get" && property !== "getWithMetadata") return undefined;
    return async () => {
      fault.failures++;
      throw kvOutage();
    };
  });
  return fault;
}

/** A queue producer whose sends (and batch sends) fail. */
export function failingQueue<T>(real: Queue<T>): Fault<Queue<T>> {
  const fault: Fault<Queue<T>> = { binding: real, failures: 0 };
  fault.binding = forward(real, (property) => {
    if (property !== "send" && property !== "sendBatch") return undefined;
    return async () => {
      fault.failures++;
      throw queueOutage();
    };
  });
  return fault;
}

/** The real queue producer, also keeping every body sent through it, so a test can deliver a message the code really sent. */
export function recordingQueue<T>(real: Queue<T>): { binding: Queue<T>; sent: T[] } {
  const sent: T[] = [];
  const binding = forward(real, (property) => {
    if (property === "send")
      return async (body: T, options?: QueueSendOptions) => {
        await real.send(body, options);
        sent.push(body);
      };
    if (property === "sendBatch")
      return async (messages: Iterable<MessageSendRequest<T>>, options?: QueueSendBatchOptions) => {
        const all = [...messages];
        await real.sendBatch(all, options);
        sent.push(...all.map((m) => m.body));
      };
    return undefined;
  });
  return { binding, sent };
}

export interface StoreFault {
  /** The bindings to run the request with: a failing D1, or a Hyperdrive binding through the cutting proxy. */
  bindings: Record<string, unknown>;
  /** How many executions it failed (on PostgreSQL, as the proxy counted them). */
  failures(): Promise<number>;
}

/** What D1 answers for a statement naming a column that does not exist. */
const d1Refusal = () => new Error("D1_ERROR: no such column: studyhall_refused_column: SQLITE_ERROR");

/**
 * The deployment's relational store failing the first execution whose SQL matches `statement`, whichever
 * store it is. As an outage (the default): D1 answering it with its outage error, or PostgreSQL's connection
 * cut as the statement is sent (test/setup/store-fault-proxy.ts), so the transaction it was part of never
 * commits. With `refuse`, as a statement the store refuses (an unknown column): D1's error for one, or
 * PostgreSQL's own, the proxy sending such a statement in its place.
 * @example
 * const store = failingStore(env, /^\s*insert into "documents"/);
 * const response = await uploadWith(withBindings(env, store.bindings), t, pdfBytes(200_000), PDF);
 * expect(await store.failures()).toBe(1);
 */
export function failingStore(
  env: { DB: D1Database; RELATIONAL_STORE?: string; TEST_STORE_FAULT_PORT?: string },
  statement: RegExp,
  options: { refuse?: boolean } = {},
): StoreFault {
  if (env.RELATIONAL_STORE !== "postgres") {
    let fired = false;
    const db = failingD1(env.DB, {
      when: (sql) => {
        if (fired || !sql.some((q) => statement.test(q))) return false;
        fired = true;
        return true;
      },
      error: options.refuse ? d1Refusal : d1Outage,
    });
    return { bindings: { DB: db.binding }, failures: async () => db.failures };
  }
  const port = Number(env.TEST_STORE_FAULT_PORT);
  if (!port) throw new Error("TEST_STORE_FAULT_PORT is unset: vitest.config.ts sets it for the PostgreSQL projects");
  const id = crypto.randomUUID().replaceAll("-", "");
  const pattern = btoa(statement.source).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
  const mode = options.refuse ? "refuse" : "cut";
  const connectionString = `postgresql://studyhall:studyhall@127.0.0.1:${port}/studyhall?application_name=fault.${id}.${pattern}.${mode}`;
  return {
    bindings: { HYPERDRIVE: { connectionString, host: "127.0.0.1", port } },
    failures: async () => {
      const socket = connect({ hostname: "127.0.0.1", port });
      const writer = socket.writable.getWriter();
      await writer.write(new TextEncoder().encode(`FAULTS ${id}\n`));
      const answer = await new Response(socket.readable).text();
      await socket.close().catch(() => undefined);
      return Number(answer.trim());
    },
  };
}

/**
 * The bindings that make the deployment's relational store unreachable, whichever it is: D1 answering every
 * execution with its outage error, or a Hyperdrive binding whose database nobody listens for.
 */
export function unreachableStore(env: { DB: D1Database; RELATIONAL_STORE?: string }): Record<string, unknown> {
  if (env.RELATIONAL_STORE === "postgres") {
    // Port 1 on loopback: nothing listens there, so every connection is refused, as when the database is down.
    return { HYPERDRIVE: { connectionString: "postgresql://studyhall:unreachable@127.0.0.1:1/studyhall", host: "127.0.0.1", port: 1 } };
  }
  return { DB: failingD1(env.DB, { when: () => true }).binding };
}
