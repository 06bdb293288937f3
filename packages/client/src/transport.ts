/**
 * The fetch every client request goes through (the typed RPC client's too):
 * it adds the bearer token, carries the newest `X-D1-Bookmark` into the next
 * request so reads from a D1 replica see this client's own writes, refreshes
 * the tokens once when the API answers 401 `invalid-token` (or just before
 * the access token lapses) and sends the request again, and turns every
 * response of 400 or more into a `StudyhallProblemError`.
 */
import { z } from "zod";
import { peekProblemType, problemFromResponse } from "./problem-error.ts";

export const BOOKMARK_HEADER = "X-D1-Bookmark";

/** The tokens a client holds; persist them (see `onTokens`) to stay signed in across restarts. */
export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  /** When the access token lapses (ms since the epoch), if known: the client refreshes shortly before. */
  accessExpiresAt?: number;
}

export interface TransportOptions {
  baseUrl: string;
  /** The fetch to send with (a service binding's, a test's); the global one by default. */
  fetch?: typeof fetch;
  tokens?: StoredTokens | null;
  /** Called whenever the tokens change (sign-in, refresh, sign-out, a refused refresh). */
  onTokens?: (tokens: StoredTokens | null) => void;
}

export interface Transport {
  fetch: typeof fetch;
  /** The same without the problem mapping, the token or the refresh: for requests that must stay anonymous. */
  rawFetch: typeof fetch;
  tokens(): StoredTokens | null;
  setTokens(tokens: { accessToken: string; refreshToken: string; expiresIn?: number } | null): void;
  /** Trades the refresh token for new tokens (rotation: the old one is spent). Concurrent calls share one request. */
  refresh(): Promise<StoredTokens>;
  bookmark(): string | undefined;
}

/** What `POST /v1/auth/refresh` answers with, checked because it crossed a wire. */
const tokenPairSchema = z.object({ accessToken: z.string().min(1), refreshToken: z.string().min(1), expiresIn: z.number().optional() });

const urlOf = (input: RequestInfo | URL): string => (typeof input === "string" ? input : input instanceof URL ? input.href : input.url);

/** Refresh this long before the access token's stated expiry, so a request in flight does not race it. */
const EXPIRY_MARGIN_MS = 10_000;

export function createTransport(options: TransportOptions): Transport {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const send: typeof fetch = (input, init) => (options.fetch ?? fetch)(input, init);
  let tokens: StoredTokens | null = options.tokens ?? null;
  let bookmark: string | undefined;
  let refreshing: Promise<StoredTokens> | null = null;

  const setTokens: Transport["setTokens"] = (next) => {
    tokens = next
      ? {
          accessToken: next.accessToken,
          refreshToken: next.refreshToken,
          accessExpiresAt: next.expiresIn === undefined ? undefined : Date.now() + next.expiresIn * 1000,
        }
      : null;
    options.onTokens?.(tokens);
  };

  /** Keeps the newest bookmark: D1 bookmarks sort lexicographically by the database version they stand for. */
  const remember = (response: Response) => {
    const next = response.headers.get(BOOKMARK_HEADER);
    if (next && (!bookmark || next > bookmark)) bookmark = next;
  };

  const rawFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    if (bookmark && !headers.has(BOOKMARK_HEADER)) headers.set(BOOKMARK_HEADER, bookmark);
    const response = await send(input instanceof Request ? input.clone() : input, { ...init, headers });
    remember(response);
    return response;
  };

  const refreshNow = async (): Promise<StoredTokens> => {
    const current = tokens;
    if (!current) throw new Error("Not signed in: call login() first.");
    const response = await rawFetch(`${baseUrl}/v1/auth/refresh`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refreshToken: current.refreshToken }),
    });
    if (!response.ok) {
      const problem = await problemFromResponse(response);
      // A refused refresh token (spent, revoked, expired) will not work again: forget the login.
      if (problem.status === 401 && tokens === current) setTokens(null);
      throw problem;
    }
    setTokens(tokenPairSchema.parse(await response.json()));
    return tokens!;
  };

  const refresh = (): Promise<StoredTokens> => {
    // One refresh for every request that needs it: a second use of the same refresh token
    // would look like a stolen token to the API and revoke the whole login.
    refreshing ??= refreshNow().finally(() => {
      refreshing = null;
    });
    return refreshing;
  };

  const authedFetch: typeof fetch = async (input, init) => {
    // Sign-in, refresh and sign-out take no access token (and must not wait for a refresh).
    const anonymous = new URL(urlOf(input), baseUrl).pathname.includes("/v1/auth/");
    const explicit = anonymous || new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).has("Authorization");
    if (!explicit && tokens?.accessExpiresAt !== undefined && Date.now() > tokens.accessExpiresAt - EXPIRY_MARGIN_MS) await refresh();

    const attempt = (token: string | undefined) => {
      const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
      if (token) headers.set("Authorization", `Bearer ${token}`);
      return rawFetch(input, { ...init, headers });
    };
    const used = explicit ? undefined : tokens?.accessToken;
    let response = await attempt(used);
    if (response.status === 401 && used && tokens && (await peekProblemType(response)) === "invalid-token") {
      // Another request may have refreshed meanwhile; otherwise refresh now. Either way, one retry.
      const fresh = tokens.accessToken !== used ? tokens : await refresh();
      await response.body?.cancel().catch(() => undefined);
      response = await attempt(fresh.accessToken);
    }
    if (response.status >= 400) throw await problemFromResponse(response);
    return response;
  };

  return { fetch: authedFetch, rawFetch, tokens: () => tokens, setTokens, refresh, bookmark: () => bookmark };
}
