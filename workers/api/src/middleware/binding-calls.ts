/**
 * Counts the binding calls one request makes on its response path (KV, D1,
 * Durable Object, R2, Queue), through the same interfaces the code uses: the
 * env's bindings are wrapped in counting views for that request only, and the
 * answer says `X-Binding-Calls: kv=1,d1=0,pg=0,do=0,r2=0,queue=0`. `npm run bench`
 * prints these for each route it measures.
 *
 * It works only where the deployment sets `COUNT_BINDING_CALLS` (the bench's
 * platform does; wrangler.toml does not) and only for a request that asks with
 * `X-Count-Binding-Calls: 1`, so the bench's timed requests run unwrapped and a
 * deployment without the variable pays one property read per request.
 *
 * What counts: a call to a binding's method (a KV get, a D1 statement run or a
 * batch, an R2 put, a queue send, a call on a Durable Object stub), or a
 * statement sent to PostgreSQL through the Hyperdrive binding (`pg`), made before
 * the response is ready. Calls made while a `waitUntil(…)` argument is being
 * built, or whose own promise is handed to `waitUntil`, or made by work run
 * through `offResponsePath` (as `deferTo` runs what a route hands off), are
 * off the response path: they are counted apart, in `X-Binding-Calls-Deferred`. Calls made after
 * the response (later in a `waitUntil`, or while a body streams) are not counted.
 * A promise made earlier by an async helper and handed to `waitUntil` later
 * cannot be told apart from one the response waited for, so it counts as
 * response-path work: the job sweeper's first call in an isolate is one such.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { STATEMENT_COUNTER, type StatementCounter } from "@studyhall/db";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";

export const BINDING_CALLS_HEADER = "X-Binding-Calls";
export const DEFERRED_BINDING_CALLS_HEADER = "X-Binding-Calls-Deferred";
/** The request header that asks for the count (where the deployment allows counting at all). */
export const COUNT_REQUEST_HEADER = "X-Count-Binding-Calls";

export const BINDING_KINDS = ["kv", "d1", "pg", "do", "r2", "queue"] as const;
export type BindingKind = (typeof BINDING_KINDS)[number];
export type BindingCounts = Record<BindingKind, number>;

type Method = (...args: unknown[]) => unknown;

/** Set while work handed off the response path runs (see `offResponsePath`), through every await in it. */
const offPath = new AsyncLocalStorage<true>();

/**
 * Runs `work` as off the response path: every binding call it makes, however deep in its awaits, counts as
 * deferred. For work given to `waitUntil` (see `deferTo`).
 */
export const offResponsePath = <T>(work: () => Promise<T>): Promise<T> => offPath.run(true, work);

const zero = (): BindingCounts => ({ kv: 0, d1: 0, pg: 0, do: 0, r2: 0, queue: 0 });

/** `kv=1,d1=0,pg=0,do=0,r2=0,queue=0`, the kinds always in this order. */
export const formatCounts = (counts: BindingCounts) => BINDING_KINDS.map((kind) => `${kind}=${counts[kind]}`).join(",");

/** One request's counts. */
class Tally {
  readonly response = zero();
  readonly deferred = zero();
  /** Above zero while a `waitUntil` argument is being evaluated. */
  deferring = 0;
  /** The response is ready: later calls are not counted. */
  settled = false;
  private readonly responsePromises = new WeakMap<object, BindingKind>();

  count(kind: BindingKind, result: unknown): void {
    if (this.settled) return;
    if (this.deferring > 0 || offPath.getStore()) {
      this.deferred[kind]++;
      return;
    }
    this.response[kind]++;
    if ((typeof result === "object" || typeof result === "function") && result !== null) this.responsePromises.set(result, kind);
  }

  /** A binding's own promise handed to `waitUntil` was off the response path after all. */
  handedToWaitUntil(promise: unknown): void {
    if (this.settled || typeof promise !== "object" || promise === null) return;
    const kind = this.responsePromises.get(promise);
    if (!kind) return;
    this.responsePromises.delete(promise);
    this.response[kind]--;
    this.deferred[kind]++;
  }
}

/** A view of `target` whose methods named in `wrap` go through their wrapper; every other member is the target's own. */
function intercept<T extends object>(target: T, wrap: Record<string, (call: Method) => Method>): T {
  return new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop);
      if (typeof value !== "function") return value;
      // Reflect.apply, not bind: an RPC stub's members answer any name, `bind` included.
      const call: Method = (...args) => Reflect.apply(value as Method, t, args);
      const wrapper = typeof prop === "string" && Object.hasOwn(wrap, prop) ? wrap[prop] : undefined;
      return wrapper ? wrapper(call) : call;
    },
  });
}

const counted =
  (tally: Tally, kind: BindingKind) =>
  (call: Method) =>
  (...args: unknown[]) => {
    const result = call(...args);
    tally.count(kind, result);
    return result;
  };

function countedMethods(tally: Tally, kind: BindingKind, names: readonly string[]): Record<string, (call: Method) => Method> {
  return Object.fromEntries(names.map((name) => [name, counted(tally, kind)]));
}

/** Statements made through a counting D1 view, to hand the real ones to `batch`. */
const realStatements = new WeakMap<object, unknown>();

function d1Statement(statement: D1PreparedStatement, tally: Tally): D1PreparedStatement {
  const view = intercept(statement, {
    ...countedMethods(tally, "d1", ["first", "all", "run", "raw"]),
    bind:
      (call) =>
      (...args) =>
        d1Statement(call(...args) as D1PreparedStatement, tally),
  });
  realStatements.set(view, statement);
  return view;
}

/** A D1 database or session: each statement run, `exec` and `batch` is one call (one round trip). */
function d1<T extends D1Database | D1DatabaseSession>(db: T, tally: Tally): T {
  return intercept(db, {
    prepare:
      (call) =>
      (...args) =>
        d1Statement(call(...args) as D1PreparedStatement, tally),
    batch: (call) => (statements) => {
      const real = (statements as object[]).map((s) => realStatements.get(s) ?? s);
      const result = call(real);
      tally.count("d1", result);
      return result;
    },
    exec: counted(tally, "d1"),
    withSession:
      (call) =>
      (...args) =>
        d1(call(...args) as D1DatabaseSession, tally),
  });
}

function durableObjects(namespace: DurableObjectNamespace, tally: Tally): DurableObjectNamespace {
  // Every call on a stub (an RPC method or `fetch`) is one round trip to the object; getting the stub is none.
  const stub = (real: object) =>
    new Proxy(real, {
      get(t, prop) {
        const value: unknown = Reflect.get(t, prop);
        if (typeof value !== "function" || prop === "then") return value;
        return counted(tally, "do")((...args) => Reflect.apply(value as Method, t, args));
      },
    });
  return intercept(namespace, {
    get:
      (call) =>
      (...args) =>
        stub(call(...args) as object),
    getByName:
      (call) =>
      (...args) =>
        stub(call(...args) as object),
  });
}

/**
 * PostgreSQL through Hyperdrive: the binding itself is only read for where to connect, so the view hands the
 * data layer a counter and it counts each statement it sends (packages/db/src/statement-count.ts).
 */
function hyperdrive(binding: Hyperdrive, tally: Tally): Hyperdrive {
  const countStatement: StatementCounter = () => tally.count("pg", undefined);
  return new Proxy(binding, {
    get(t, prop) {
      if (prop === STATEMENT_COUNTER) return countStatement;
      const value: unknown = Reflect.get(t, prop);
      return typeof value === "function" ? (...args: unknown[]) => Reflect.apply(value as Method, t, args) : value;
    },
  });
}

function r2(bucket: R2Bucket, tally: Tally): R2Bucket {
  const upload = (real: R2MultipartUpload) => intercept(real, countedMethods(tally, "r2", ["uploadPart", "complete", "abort"]));
  return intercept(bucket, {
    ...countedMethods(tally, "r2", ["get", "put", "head", "delete", "list"]),
    createMultipartUpload:
      (call) =>
      (...args) => {
        const result = call(...args) as Promise<R2MultipartUpload>;
        tally.count("r2", result);
        return result.then(upload);
      },
    resumeMultipartUpload:
      (call) =>
      (...args) =>
        upload(call(...args) as R2MultipartUpload),
  });
}

/** What kind of binding a value is, by the methods only that kind has; undefined for a variable. */
function kindOf(value: unknown): BindingKind | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  if ("withSession" in value && "prepare" in value) return "d1";
  if ("getWithMetadata" in value) return "kv";
  if ("createMultipartUpload" in value) return "r2";
  if ("idFromName" in value) return "do";
  if ("sendBatch" in value) return "queue";
  if ("connectionString" in value) return "pg";
  return undefined;
}

function countingView(kind: BindingKind, binding: object, tally: Tally): object {
  switch (kind) {
    case "d1":
      return d1(binding as D1Database, tally);
    case "kv":
      return intercept(binding, countedMethods(tally, "kv", ["get", "getWithMetadata", "put", "delete", "list"]));
    case "r2":
      return r2(binding as R2Bucket, tally);
    case "do":
      return durableObjects(binding as DurableObjectNamespace, tally);
    case "queue":
      return intercept(binding, countedMethods(tally, "queue", ["send", "sendBatch"]));
    case "pg":
      return hyperdrive(binding as Hyperdrive, tally);
  }
}

function countingEnv(env: ApiEnv, tally: Tally): ApiEnv {
  const views = new Map<PropertyKey, object>();
  return new Proxy(env, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop);
      const kind = kindOf(value);
      if (!kind) return value;
      let view = views.get(prop);
      if (!view) {
        view = countingView(kind, value as object, tally);
        views.set(prop, view);
      }
      return view;
    },
  });
}

/** Calls made while a `waitUntil` argument is evaluated are deferred work: the getter opens that window, the call (or the next microtask) closes it. */
function watchWaitUntil(ctx: { waitUntil(promise: Promise<unknown>): void }, tally: Tally): void {
  const waitUntil = ctx.waitUntil.bind(ctx);
  Object.defineProperty(ctx, "waitUntil", {
    configurable: true,
    get() {
      tally.deferring++;
      let open = true;
      const close = () => {
        if (open) tally.deferring--;
        open = false;
      };
      queueMicrotask(close);
      return (promise: Promise<unknown>) => {
        close();
        tally.handedToWaitUntil(promise);
        waitUntil(promise);
      };
    },
  });
}

/** Mounted first, so every later middleware and route sees the counting bindings. */
export const bindingCalls = () =>
  createMiddleware<AppEnv>(async function bindingCalls(c, next) {
    if (!(c.env as { COUNT_BINDING_CALLS?: unknown }).COUNT_BINDING_CALLS || c.req.header(COUNT_REQUEST_HEADER) !== "1") return next();
    const tally = new Tally();
    c.env = countingEnv(c.env, tally);
    try {
      watchWaitUntil(c.executionCtx, tally);
    } catch {
      // No execution context (the app called directly): nothing can be deferred, so nothing is.
    }
    await next();
    tally.settled = true;
    try {
      c.header(BINDING_CALLS_HEADER, formatCounts(tally.response));
      c.header(DEFERRED_BINDING_CALLS_HEADER, formatCounts(tally.deferred));
    } catch {
      // A WebSocket upgrade's headers cannot change; its counts go unreported.
    }
  });
