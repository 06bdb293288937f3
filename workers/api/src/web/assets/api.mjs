/**
 * The browser's side of the studyhall API: the signed-in session, JSON
 * requests with the bearer token, and problem documents turned into errors
 * a person can read.
 *
 * Tokens live in sessionStorage: a reload keeps you signed in, closing the
 * tab signs you out, and nothing is shared with other tabs or sites. The
 * access token is refreshed (POST /v1/auth/refresh) shortly before it lapses
 * and once more if the server says it has; concurrent requests share that
 * one refresh, because a refresh token works only once.
 */

/** @typedef {import("./api-shapes.d.ts").SignedIn} SignedIn */
/** @typedef {import("./api-shapes.d.ts").TokenPair} TokenPair */
/**
 * Who is signed in, as kept in sessionStorage: the person, their organisation and their tokens.
 * @typedef {Pick<SignedIn, "user" | "organisation"> & { accessToken: string, refreshToken?: string, expiresAt: number }} Session
 */
/**
 * A problem document as the browser reads it (RFC 9457); the pages need only its words.
 * @typedef {{ type?: string, title?: string, status?: number, detail?: string }} Problem
 */
/**
 * @typedef {object} RequestOptions
 * @property {string} [method]
 * @property {unknown} [json] sent as JSON
 * @property {BodyInit} [body] sent as is (FormData for uploads)
 * @property {Record<string, string>} [headers]
 * @property {boolean} [auth] send the access token (default true)
 * @property {boolean} [raw] resolve to the Response instead of its JSON
 * @property {AbortSignal} [signal]
 */

const STORAGE_KEY = "studyhall.session";
/** Refresh this long before the access token's stated end. */
const EARLY_MS = 20_000;

/** A failed request: `status`, the problem document (if any) and, for 429, `retryAfter` seconds. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {Problem | null | undefined} problem
   * @param {number} [retryAfter]
   */
  constructor(status, problem, retryAfter) {
    super(problem?.detail || problem?.title || `The server answered ${status}.`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem ?? null;
    this.retryAfter = retryAfter;
  }
}

/**
 * Whether a failure is a request (or a wait) stopped by its AbortSignal.
 * @param {unknown} error
 */
export const isAbort = (error) => error instanceof DOMException && error.name === "AbortError";

let session = load();
/** @type {Set<(session: Session | null) => void>} */
const listeners = new Set();
/** @type {Promise<void> | null} */
let refreshing = null;

/** @returns {Session | null} */
function load() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "null");
    return stored && typeof stored.accessToken === "string" && stored.user ? stored : null;
  } catch {
    return null;
  }
}

/** @param {Session | null} next */
function save(next) {
  const before = session?.user?.id ?? null;
  session = next;
  if (next) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  else sessionStorage.removeItem(STORAGE_KEY);
  // New tokens for the same person change nothing on screen; signing in or out does.
  if ((next?.user?.id ?? null) !== before) for (const listener of listeners) listener(session);
}

/**
 * @param {Pick<Session, "user" | "organisation"> & Partial<Session>} base
 * @param {{ accessToken: string, refreshToken?: string, expiresIn: number }} tokens
 * @returns {Session}
 */
const withTokens = (base, tokens) => ({
  ...base,
  accessToken: tokens.accessToken,
  refreshToken: tokens.refreshToken || base?.refreshToken,
  expiresAt: Date.now() + tokens.expiresIn * 1000,
});

/** Teachers and admins make courses; students (and operators, who see courses as students do) study them. */
/** @param {Session | null} session */
export const canAuthor = (session) => session?.user.role === "teacher" || session?.user.role === "admin";

/** Who is signed in: `{ user, organisation, ... }`, or null. */
export const currentSession = () => session;

/**
 * Calls `listener(session)` whenever someone signs in or out (or the session is lost), not on a mere token refresh.
 * @param {(session: Session | null) => void} listener
 * @returns {() => void} stops the calls
 */
export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * @param {string} email
 * @param {string} password
 */
export async function signIn(email, password) {
  /** @type {SignedIn} */
  const body = await api("/v1/auth/login", { method: "POST", json: { email, password }, auth: false });
  save(withTokens({ user: body.user, organisation: body.organisation }, body.tokens));
  return session;
}

/** Ends the login on the server too, so its refresh token stops working. */
export async function signOut() {
  const refreshToken = session?.refreshToken;
  save(null);
  if (refreshToken) await api("/v1/auth/logout", { method: "POST", json: { refreshToken }, auth: false }).catch(() => {});
}

async function refresh() {
  refreshing ??= (async () => {
    try {
      /** @type {TokenPair} */
      const tokens = await api("/v1/auth/refresh", { method: "POST", json: { refreshToken: session?.refreshToken ?? "" }, auth: false });
      // Signed out while the refresh was under way: the new tokens belong to nobody.
      if (session) save(withTokens(session, tokens));
    } catch (error) {
      // A spent, revoked or expired refresh token: the person has to sign in again.
      if (error instanceof ApiError && (error.status === 400 || error.status === 401)) save(null);
      throw error;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/**
 * @param {Response} response
 * @returns {Promise<Problem | null>}
 */
async function problemOf(response) {
  const type = response.headers.get("Content-Type") ?? "";
  if (!/json/.test(type)) return null;
  return response.json().catch(() => null);
}

/**
 * One request to the API, resolving to the parsed JSON (null for 204). The answer's type is the caller's
 * to name, from api-shapes.d.ts, as `@type {Course}` on the variable it goes into.
 *
 * @example const course = await api(`/v1/courses/${id}`);
 * @example await api(`/v1/courses/${id}`, { method: "PATCH", json: { status: "PUBLISHED" } });
 * @template T
 * @overload
 * @param {string} path
 * @param {RequestOptions & { raw?: false }} [options]
 * @returns {Promise<T>}
 */
/**
 * With `raw: true`, the Response itself.
 * @overload
 * @param {string} path
 * @param {RequestOptions & { raw: true }} options
 * @returns {Promise<Response>}
 */
/**
 * @param {string} path
 * @param {RequestOptions} [options]
 * @returns {Promise<unknown>}
 */
export async function api(path, { method = "GET", json, body, headers = {}, auth = true, raw = false, signal } = {}) {
  if (auth) {
    if (!session) throw new ApiError(401, { title: "Not signed in", detail: "Sign in first." });
    if (session.expiresAt - Date.now() < EARLY_MS) await refresh();
  }
  const send = () => {
    /** @type {Record<string, string>} */
    const all = { Accept: "application/json", ...headers };
    if (json !== undefined) all["Content-Type"] = "application/json";
    if (auth && session) all.Authorization = `Bearer ${session.accessToken}`;
    return fetch(path, { method, headers: all, body: json !== undefined ? JSON.stringify(json) : body, signal, credentials: "omit" });
  };
  let response = await send();
  if (auth && response.status === 401 && session) {
    await response.body?.cancel();
    await refresh();
    response = await send();
  }
  if (!response.ok) {
    const retryAfter = Number(response.headers.get("Retry-After")) || undefined;
    throw new ApiError(response.status, await problemOf(response), retryAfter);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

/**
 * A query string from an object, leaving out empty values.
 * @param {Record<string, string | number | boolean | null | undefined>} params
 */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "" && value !== false) search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
