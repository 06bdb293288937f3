/**
 * Statements that must take effect together or not at all. On D1 they go as
 * one batch, which D1 runs as one transaction; on a store with interactive
 * transactions (PostgreSQL through Hyperdrive), they run in order inside one.
 * The statements are built from the handle `build` is given, because on such
 * a store only statements of the transaction's own handle are part of it.
 */
import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import type { Db } from "./index.ts";

type Statements = [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]];

interface Transactional {
  transaction<R>(work: (tx: Db) => Promise<R>): Promise<R>;
}

/**
 * @example
 * const [, [job]] = await together(db, (q) => [q.insert(courses).values(course), insertJob(q, job)]);
 */
export async function together<T extends Statements>(db: Db, build: (q: Db) => T): Promise<BatchResponse<T>> {
  if (typeof (db as Partial<Db>).batch === "function") return db.batch(build(db));
  return (db as unknown as Transactional).transaction(async (tx) => {
    const results: unknown[] = [];
    for (const statement of build(tx)) results.push(await statement);
    return results as BatchResponse<T>;
  });
}
