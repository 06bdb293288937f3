/**
 * Counting a request's PostgreSQL round trips, for the API's binding-call count (COUNT_BINDING_CALLS).
 * A Hyperdrive binding is read once, for its connection string; the round trips are the statements sent
 * over that connection. So whoever counts hands the data layer a binding that carries `STATEMENT_COUNTER`,
 * and every statement drizzle sends through the handle counts once, a transaction's BEGIN and COMMIT (or
 * ROLLBACK) and a savepoint's two statements included: unlike a D1 batch, each is a round trip.
 */
import type postgres from "postgres";

export const STATEMENT_COUNTER = Symbol.for("studyhall.db.statement-counter");

/** Called once for each statement, as it is sent. */
export type StatementCounter = () => void;

export const statementCounterOf = (hyperdrive: Hyperdrive): StatementCounter | undefined =>
  (hyperdrive as { [STATEMENT_COUNTER]?: StatementCounter })[STATEMENT_COUNTER];

type Callback = (sql: postgres.Sql) => unknown;

/** Runs `open(…, work)` with `work` given a counting view of its client; the block's own two statements count here. */
function countedBlock(open: (...args: unknown[]) => unknown, args: unknown[], count: StatementCounter): unknown {
  count();
  count();
  const work = args.at(-1) as Callback;
  return open(...args.slice(0, -1), (inner: postgres.Sql) => work(countingClient(inner, count)));
}

/** A view of `client` (drizzle calls only `unsafe`, `begin` and, inside a transaction, `savepoint`) that counts each statement. */
export function countingClient(client: postgres.Sql, count: StatementCounter): postgres.Sql {
  return new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== "function") return value;
      const call = (...args: unknown[]) => Reflect.apply(value, target, args);
      if (prop === "unsafe")
        return (...args: unknown[]) => {
          count();
          return call(...args);
        };
      if (prop === "begin" || prop === "savepoint") return (...args: unknown[]) => countedBlock(call, args, count);
      return call;
    },
  });
}
