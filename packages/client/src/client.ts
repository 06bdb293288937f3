/**
 * `createStudyhallClient`: the API's typed RPC client (Hono's `hc`, typed by
 * the route types emitted from the API worker's own route definitions, see
 * scripts/emit-app-type.ts, so a changed route breaks the callers at compile
 * time) wrapped with what every caller needs: sign-in and token refresh,
 * read-your-writes across D1 replicas, problem documents as typed errors, PDF
 * uploads, jobs followed live, and live sessions.
 */
import { type ClientResponse, hc, type InferResponseType } from "hono/client";
import { type FollowJobOptions, followJob } from "./follow-job.ts";
import type { AppType } from "./generated/app-type.d.ts";
import type { JoinSessionOptions, SessionConnection } from "./session-socket.ts";
import { createTransport, type StoredTokens } from "./transport.ts";

/** The typed RPC client: `rpc.v1.courses[":id"].$get({ param: { id } })`. */
export type StudyhallRpc = ReturnType<typeof hc<AppType>>;
/** A job as `GET /v1/jobs/{id}` and its event stream show it. */
export type JobView = InferResponseType<StudyhallRpc["v1"]["jobs"][":id"]["$get"], 200>;
/** The answer to an upload: the document, its parse job and where to follow it. */
export type AcceptedUpload = InferResponseType<StudyhallRpc["v1"]["documents"]["$post"], 202>;
/** A course with its outline (modules, lessons, quizzes). */
export type CourseWithOutline = InferResponseType<StudyhallRpc["v1"]["courses"][":id"]["$get"], 200>;
/** What signing in returns: the user, the organisation and the tokens. */
export type SignedIn = InferResponseType<StudyhallRpc["v1"]["auth"]["login"]["$post"], 200>;

type SuccessStatus = 200 | 201 | 202 | 203 | 206;
/** The JSON body of a response's success statuses (errors are thrown before a caller sees them). */
export type SuccessBody<R> =
  R extends ClientResponse<infer T, infer S, infer F> ? (S extends SuccessStatus ? (F extends "json" ? T : never) : never) : never;

export interface StudyhallClientOptions {
  /** Where the API answers, e.g. `http://127.0.0.1:8787`. */
  baseUrl: string;
  /** The fetch to send with; the global one by default. */
  fetch?: typeof fetch;
  /** Tokens kept from an earlier run, to skip signing in. */
  tokens?: StoredTokens | null;
  /** Called whenever the tokens change; persist them here. */
  onTokens?: (tokens: StoredTokens | null) => void;
  /** How live-session WebSockets are opened; the platform's `WebSocket` by default. */
  openSocket?: (url: string) => Promise<WebSocket>;
}

export interface UploadOptions {
  title?: string;
  /** Generate a course once the document is parsed (default true). */
  generate?: boolean;
  audience?: string;
  modules?: number;
  priority?: "high" | "normal" | "low";
  /** Sending the same key again returns the first answer instead of uploading twice. */
  idempotencyKey?: string;
}

/**
 * @example
 * const client = createStudyhallClient({ baseUrl: "http://127.0.0.1:8787" });
 * await client.login("teacher@demo.studyhall.test", "demo-teacher-password");
 * const { job } = await client.uploadDocument(pdfBytes, { title: "TraceMonkey" });
 * const parsed = await client.followJob(job!.id, (j) => console.log(j.progress, j.stage));
 * const course = await client.json(client.rpc.v1.courses[":id"].$get({ param: { id } }));
 */
export function createStudyhallClient(options: StudyhallClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const transport = createTransport({ baseUrl, fetch: options.fetch, tokens: options.tokens, onTokens: options.onTokens });
  const rpc: StudyhallRpc = hc<AppType>(baseUrl, { fetch: transport.fetch });

  /** Awaits an RPC call and returns its JSON body, typed by the route's success responses. */
  async function json<R extends ClientResponse<unknown, number, "json" | "text" | "redirect" | "body">>(
    call: R | Promise<R>,
  ): Promise<SuccessBody<R>> {
    const response = await call;
    return (await response.json()) as SuccessBody<R>;
  }

  return {
    rpc,
    json,
    /** `fetch` with the token, the bookmark, the refresh and the problem mapping, for anything the RPC client does not cover. */
    fetch: transport.fetch,
    tokens: transport.tokens,
    bookmark: transport.bookmark,
    refresh: transport.refresh,

    /** Signs in; the client keeps (and refreshes) the tokens from here on. */
    async login(email: string, password: string): Promise<SignedIn> {
      const session = await json(rpc.v1.auth.login.$post({ json: { email, password } }));
      transport.setTokens(session.tokens);
      return session;
    },

    /** Ends the login on the server (its refresh tokens stop working) and forgets the tokens. */
    async logout(): Promise<void> {
      const tokens = transport.tokens();
      try {
        if (tokens) await rpc.v1.auth.logout.$post({ json: { refreshToken: tokens.refreshToken } });
      } finally {
        transport.setTokens(null);
      }
    },

    /**
     * Uploads a PDF: the answer (202, or 200 when you uploaded the same file before) carries the
     * document and its parse job; a course job follows the parse unless `generate: false`.
     */
    async uploadDocument(file: Uint8Array | ArrayBuffer | Blob, upload: UploadOptions = {}): Promise<AcceptedUpload> {
      const body = file instanceof Blob ? file : new Uint8Array(file);
      const query = {
        generate: upload.generate === false ? "false" : "true",
        ...(upload.title !== undefined && { title: upload.title }),
        ...(upload.audience !== undefined && { audience: upload.audience }),
        ...(upload.modules !== undefined && { modules: String(upload.modules) }),
        ...(upload.priority !== undefined && { priority: upload.priority }),
      } as const;
      const header = upload.idempotencyKey ? { "idempotency-key": upload.idempotencyKey } : {};
      // The route's body is raw PDF bytes, which the RPC client does not model: pass them through `init`.
      return json(rpc.v1.documents.$post({ query, header }, { headers: { "Content-Type": "application/pdf" }, init: { body } }));
    },

    /**
     * Follows a job live until it completes, fails or is cancelled, and resolves with it;
     * `onUpdate` sees each new state, the current one first.
     */
    followJob(jobId: string, onUpdate?: (job: JobView) => void, follow?: FollowJobOptions): Promise<JobView> {
      const deps = {
        openEvents: (id: string, signal?: AbortSignal) =>
          transport.fetch(`${baseUrl}/v1/jobs/${encodeURIComponent(id)}/events`, { headers: { Accept: "text/event-stream" }, signal }),
        getJob: (id: string, signal?: AbortSignal) => json(rpc.v1.jobs[":id"].$get({ param: { id } }, { init: { signal } })),
      };
      return followJob<JobView>(deps, jobId, onUpdate, follow);
    },

    /**
     * Joins a live session: frames arrive checked against the shared protocol, and a dropped
     * connection comes back by itself, resuming after the last `seq` seen.
     */
    async joinSession(sessionId: string, join: JoinSessionOptions): Promise<SessionConnection> {
      // Loaded on first use: it needs @studyhall/core's schemas at run time, which plain Node cannot import.
      const sockets = await import("./session-socket.ts");
      const wsBase = baseUrl.replace(/^http/, "ws");
      return sockets.joinSession(
        {
          ticket: async (id) => {
            const { ticket } = await json(rpc.v1.sessions[":id"].ticket.$post({ param: { id } }));
            return { url: `${wsBase}/v1/sessions/${encodeURIComponent(id)}/ws?ticket=${encodeURIComponent(ticket)}` };
          },
          openSocket: options.openSocket ?? sockets.openWebSocket,
        },
        sessionId,
        join,
      );
    },
  };
}

export type StudyhallClient = ReturnType<typeof createStudyhallClient>;
