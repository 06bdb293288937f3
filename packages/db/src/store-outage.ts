/**
 * Whether an error means the relational store cannot answer for now (an
 * outage, worth a retry in a few seconds) rather than refusing what it was
 * asked (a constraint, a missing column: our bug, and retrying would not fix
 * it). The API answers the first with a 503 and Retry-After, the second with a
 * 500. One test for both stores, so nothing above the data layer knows which
 * one is in use.
 */

/**
 * What D1 says when it cannot answer for now (unreachable, overloaded, restarting), from Cloudflare's list of
 * D1 errors.
 */
const D1_TRANSIENT =
  /network connection lost|overloaded|requests queued|object to be reset|reset because its code was updated|transient issue|timed? ?out|exceeded timeout|internal error/i;

/**
 * PostgreSQL's SQLSTATEs for a server that cannot serve now: connection exceptions (class 08), a server
 * shutting down or starting up (57P01–57P03), and no connection to spare (53300, as when Hyperdrive's
 * pool or the server's `max_connections` is full).
 */
const PG_UNAVAILABLE = /^(08...|57P0[123]|53300)$/;

/** postgres.js's codes for a connection that failed or went away, and the socket errors beneath them. */
const PG_CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
]);

/** What workerd's sockets say when the database's address cannot be reached or the connection drops. */
const SOCKET_LOST = /cannot connect to the specified address|network connection lost|connection (was )?(closed|reset)|socket (is )?closed/i;

function isD1Error(e: Error): boolean {
  return e.name === "D1_ERROR" || /\bD1_ERROR\b|\bD1 DB\b/.test(e.message);
}

/**
 * True for a store outage, wherever it sits in the cause chain (drizzle wraps the driver's error in its own).
 * A socket's bare error counts only beneath drizzle's wrapper, where it can only be the store's connection.
 */
export function isStoreOutage(error: unknown): boolean {
  let underQuery = false;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    // Only the driver's own message is read: drizzle's wrapper quotes the SQL and its parameters, which could say anything.
    if (e.message.startsWith("Failed query:")) {
      underQuery = true;
      continue;
    }
    if (isD1Error(e)) return D1_TRANSIENT.test(e.message);
    const code = (e as { code?: unknown }).code;
    if (e.name === "PostgresError") return typeof code === "string" && PG_UNAVAILABLE.test(code);
    if (typeof code === "string" && PG_CONNECTION_CODES.has(code)) return true;
    if (underQuery && SOCKET_LOST.test(e.message)) return true;
  }
  return false;
}
